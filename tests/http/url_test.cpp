// Url, Headers and ProxySettings: plain parsing and matching, no network.
#include <gtest/gtest.h>

#include <map>

#include "http/headers.hpp"
#include "http/proxy_settings.hpp"
#include "http/transport_error.hpp"
#include "http/url.hpp"

namespace keapsync::http {
namespace {

TEST(Url, ParsesOriginPortAndBasePath) {
  const Url u = Url::parse("https://API.Infusionsoft.com/crm/");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "api.infusionsoft.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.base_path, "/crm");
  EXPECT_EQ(u.join("/rest/v2/contacts"), "/crm/rest/v2/contacts");
  EXPECT_EQ(u.authority(), "api.infusionsoft.com");
  EXPECT_EQ(u.authority_with_port(), "api.infusionsoft.com:443");

  const Url local = Url::parse("https://127.0.0.1:8443");
  EXPECT_EQ(local.port, 8443);
  EXPECT_EQ(local.base_path, "");
  EXPECT_EQ(local.join("/token"), "/token");
  EXPECT_EQ(local.origin(), "https://127.0.0.1:8443");

  const Url v6 = Url::parse("https://[::1]:9000/x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.authority(), "[::1]:9000");
}

TEST(Url, RejectsWhatItCannotUse) {
  for (const char* bad :
       {"api.example.com", "http://api.example.com", "ftp://x", "https://", "https://:443",
        "https://host:0", "https://host:70000", "https://host:12ab", "https://u:p@host",
        "https://host/path?q=1", "https://ho st/", "https://[::1"}) {
    EXPECT_THROW(Url::parse(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(Url::parse("http://proxy:3128", /*allow_http=*/true).port, 3128);
  EXPECT_EQ(Url::parse("http://proxy", /*allow_http=*/true).port, 80);
}

TEST(Headers, NamesAreCaseInsensitive) {
  Headers h{{"Content-Type", "application/json"}};
  EXPECT_EQ(h.get("content-type"), "application/json");
  h.set("CONTENT-TYPE", "text/plain");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("Content-type"), "text/plain");
  h.add("Set-Cookie", "a");
  h.add("set-cookie", "b");
  EXPECT_EQ(h.get("SET-COOKIE"), "a");
  h.erase("Set-Cookie");
  EXPECT_FALSE(h.contains("set-cookie"));
}

ProxySettings::Environment env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ProxySettings, NoVariablesMeansDirect) {
  const auto s = ProxySettings::from_environment(env({}));
  EXPECT_FALSE(s.proxy);
  EXPECT_FALSE(s.proxy_for("api.infusionsoft.com"));
}

TEST(ProxySettings, LowerCaseWinsAndSchemeDefaultsToHttp) {
  const auto s = ProxySettings::from_environment(
      env({{"https_proxy", "proxy.lan:3128"}, {"HTTPS_PROXY", "http://other:1"}}));
  ASSERT_TRUE(s.proxy);
  EXPECT_EQ(s.proxy->host, "proxy.lan");
  EXPECT_EQ(s.proxy->port, 3128);
  EXPECT_EQ(s.proxy_for("api.infusionsoft.com"), s.proxy);
}

TEST(ProxySettings, NoProxyMatchesHostsAndSubdomains) {
  const auto s =
      ProxySettings::from_environment(env({{"HTTPS_PROXY", "http://proxy:3128"},
                                           {"no_proxy", " .internal, example.com:443 ,10.0.0.1"}}));
  EXPECT_FALSE(s.proxy_for("example.com"));
  EXPECT_FALSE(s.proxy_for("api.EXAMPLE.com"));
  EXPECT_FALSE(s.proxy_for("db.internal"));
  EXPECT_FALSE(s.proxy_for("10.0.0.1"));
  EXPECT_TRUE(s.proxy_for("notexample.com"));
  EXPECT_TRUE(s.proxy_for("example.com.evil"));
  EXPECT_TRUE(s.proxy_for("10.0.0.10"));
}

TEST(ProxySettings, StarDisablesTheProxy) {
  const auto s = ProxySettings::from_environment(
      env({{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "*"}}));
  EXPECT_FALSE(s.proxy_for("api.infusionsoft.com"));
}

TEST(ProxySettings, OnlyConnectProxiesAreAccepted) {
  EXPECT_THROW(ProxySettings::from_environment(env({{"HTTPS_PROXY", "https://proxy:443"}})),
               std::invalid_argument);
}

TEST(ProxySettings, AProxyWithCredentialsIsRefusedWithoutPrintingThePassword) {
  try {
    ProxySettings::from_environment(env({{"HTTPS_PROXY", "http://squid:hunter2@proxy:3128"}}));
    FAIL() << "a proxy URL with credentials was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "HTTPS_PROXY: invalid URL 'http://squid:***@proxy:3128': credentials are not "
                 "supported");
  }
}

TEST(RedactUserinfo, HidesThePasswordOrALoneUserinfo) {
  EXPECT_EQ(redact_userinfo("http://squid:hunter2@proxy:3128/x"), "http://squid:***@proxy:3128/x");
  EXPECT_EQ(redact_userinfo("https://ghp_token@api.example.test"), "https://***@api.example.test");
  EXPECT_EQ(redact_userinfo("postgresql://shop:s3cret@db.example.test/shop?sslmode=verify-full"),
            "postgresql://shop:***@db.example.test/shop?sslmode=verify-full");
  EXPECT_EQ(redact_userinfo("squid:hunter2@proxy:3128"), "squid:***@proxy:3128");
  // An unescaped '/' or '@' in the password still leaves nothing of it.
  EXPECT_EQ(redact_userinfo("http://u:pa/ss@w@proxy"), "http://u:***@proxy");
  for (const char* plain : {"https://api.example.test/crm", "host=/run/postgresql dbname=shop", ""})
    EXPECT_EQ(redact_userinfo(plain), plain);
}

TEST(Url, AnErrorQuotesTheUrlWithoutItsPassword) {
  try {
    Url::parse("https://me:hunter2@api.example.test");
    FAIL() << "credentials were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "invalid URL 'https://me:***@api.example.test': credentials are not supported");
  }
}

TEST(TransportError, DescribeNamesKindAndStep) {
  const TransportError e{TransportError::Kind::timeout, TransportError::Step::read, "slow", true,
                         0};
  EXPECT_EQ(e.describe(), "timeout (read): slow");
}

}  // namespace
}  // namespace keapsync::http
