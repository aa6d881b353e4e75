// OAuthCredentials and KeapApi together, against the sandbox over real TLS and
// a real token store: a 401 on an API call refreshes once through the store
// and retries; a token refused the moment it was issued is not refreshed
// again (no refresh storm) until it has aged. Time is a ManualClock started
// at the sandbox's wall clock, so aging a token needs no sleep.
#include "auth/oauth_credentials.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "base/manual_clock.hpp"
#include "db/token_store.hpp"
#include "http/client.hpp"
#include "keap/keap_api.hpp"
#include "sandbox/form_codec.hpp"
#include "sandbox/router.hpp"
#include "sandbox/server.hpp"
#include "support/migrated_database.hpp"
#include "support/suite_log.hpp"
#include "support/temp_dir.hpp"
#include "tls/certificate_authority.hpp"

namespace keapsync::auth {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using keap::ErrorClass;
using keap::KeapApi;
using keap::KeapRequest;
using keap::RateLimiter;
using keap::RateLimits;

constexpr const char* kClientId = "shop-app";
constexpr const char* kClientSecret = "shop-app-secret-Hx71q";
constexpr const char* kRedirect = "https://shop.example/callback";
const KeapRequest kList{"GET", "/rest/v2/contacts", std::nullopt, {}};

sandbox::SandboxConfig sandbox_config() {
  sandbox::SandboxConfig c;
  c.clients = {{kClientId, kClientSecret}};
  c.tokens.access_expires_in = 1h;
  return c;
}

class OAuthCredentialsTest : public ::testing::Test {
 protected:
  tls::CertificateAuthority ca{"oauth credentials test CA"};
  sandbox::Router router{sandbox_config()};
  std::unique_ptr<sandbox::Server> server;
  testing::TempDir dir;
  testing::MigratedDatabase db;
  asio::io_context io;
  std::unique_ptr<http::Client> client;
  ManualClock clock{std::chrono::system_clock::now()};
  log::Logger logger = log::make_logger({config::LogLevel::warn, config::LogFormat::json});
  db::DatabasePool pool{db.url(), 2};
  std::unique_ptr<OAuthClient> oauth;
  RateLimiter limiter{RateLimits::oauth(), clock.now()};

  void SetUp() override {
    testing::record_secret(kClientSecret);
    const auto pair = ca.issue_server({"127.0.0.1"});
    sandbox::Server::Options options;
    options.certificate_pem = pair.certificate_pem;
    options.private_key_pem = pair.private_key_pem;
    server = std::make_unique<sandbox::Server>(router, options);
    server->start();
    http::ClientOptions client_options;
    client_options.ca_file = dir.write("ca.pem", ca.certificate_pem());
    client = std::make_unique<http::Client>(io.get_executor(), client_options);
    oauth = std::make_unique<OAuthClient>(*client, origin() + "/token", kClientId,
                                          config::Secret(kClientSecret));
  }

  void TearDown() override { server->stop(); }

  std::string origin() const { return "https://127.0.0.1:" + std::to_string(server->port()); }

  template <class T>
  T run(asio::awaitable<T> work) {
    std::optional<T> out;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out = co_await std::move(work); }, asio::detached);
    io.run_for(20s);
    io.restart();
    if (!out) throw std::runtime_error("no result within 20 s");
    return std::move(*out);
  }

  sandbox::Response sandbox_call(const std::string& method, const std::string& target) {
    return router.handle({method, target, {}, ""}, std::chrono::system_clock::now());
  }

  // How often the sandbox answered `route` with `status`.
  std::int64_t answered(const std::string& route, int status) {
    const auto stats = boost::json::parse(sandbox_call("GET", "/_sandbox/stats").body);
    const auto* by_status = stats.at("routes").as_object().if_contains(route);
    if (!by_status) return 0;
    const auto* n = by_status->as_object().if_contains(std::to_string(status));
    return n ? n->as_int64() : 0;
  }

  // What `keapsync auth` does: approve, exchange the code, store the pair.
  void authorize() {
    const auto approved = sandbox_call(
        "GET", std::string("/app/oauth/authorize?response_type=code&scope=full&state=s1") +
                   "&client_id=" + kClientId +
                   "&redirect_uri=" + sandbox::percent_encode(kRedirect));
    const auto location = approved.header("Location");
    const auto params = sandbox::parse_form(location.substr(location.find('?') + 1));
    ASSERT_TRUE(params) << location;
    const auto result =
        run(oauth->exchange_code(sandbox::param(*params, "code").value(), kRedirect));
    const auto* grant = std::get_if<TokenGrant>(&result);
    ASSERT_NE(grant, nullptr) << std::get<TokenError>(result).message;
    db::TokenStore store(db.conn(), std::nullopt, {});
    store.save("shop", {grant->access_token, grant->refresh_token, clock.now(),
                        clock.now() + grant->expires_in, grant->scope});
  }

  std::int64_t stored_version() {
    db::TokenStore store(db.conn(), std::nullopt, {});
    return store.read("shop").value().version;
  }
};

TEST_F(OAuthCredentialsTest, A401RefreshesOnceThroughTheStoreAndRetries) {
  ASSERT_NO_FATAL_FAILURE(authorize());
  OAuthCredentials credentials(io.get_executor(), "shop", pool, {}, *oauth, clock.clock(), logger);
  KeapApi api(*client, http::Url::parse(origin() + "/crm"), credentials, limiter, clock.clock(),
              logger);
  std::vector<std::string> refreshes;
  credentials.observe_refreshes([&](std::string_view r) { refreshes.emplace_back(r); });
  ASSERT_TRUE(run(api.call(kList)).ok());

  // Long before the proactive refresh is due, Keap stops accepting the access token.
  clock.advance(10min);
  ASSERT_EQ(sandbox_call("POST", "/_sandbox/tokens/expire").status, 200);
  const auto out = run(api.call(kList));
  ASSERT_TRUE(out.ok()) << out.error.message;

  EXPECT_EQ(answered("GET /rest/v2/contacts", 401), 1);
  EXPECT_EQ(answered("GET /rest/v2/contacts", 200), 2);
  EXPECT_EQ(answered("POST /token", 200), 2);  // the code exchange, then exactly one refresh
  EXPECT_EQ(stored_version(), 2);              // the new pair was committed before its use
  EXPECT_EQ(credentials.state(), AccountState::ok);
  EXPECT_EQ(refreshes, std::vector<std::string>{"refreshed"});

  ASSERT_TRUE(run(api.call(kList)).ok());  // the refreshed token keeps working
  EXPECT_EQ(answered("POST /token", 200), 2);
}

TEST_F(OAuthCredentialsTest, ATokenRefusedAsSoonAsItWasIssuedIsNotRefreshedUntilItHasAged) {
  ASSERT_NO_FATAL_FAILURE(authorize());
  OAuthCredentials credentials(io.get_executor(), "shop", pool, {}, *oauth, clock.clock(), logger);
  KeapApi api(*client, http::Url::parse(origin() + "/crm"), credentials, limiter, clock.clock(),
              logger);
  ASSERT_EQ(sandbox_call("POST", "/_sandbox/tokens/expire").status, 200);

  const auto refused = run(api.call(kList));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.error_class, ErrorClass::auth);
  EXPECT_EQ(answered("POST /token", 200), 1);  // only the code exchange
  EXPECT_EQ(credentials.state(), AccountState::ok);

  clock.advance(2min);  // older than RefreshPolicy::min_forced_age
  const auto out = run(api.call(kList));
  ASSERT_TRUE(out.ok()) << out.error.message;
  EXPECT_EQ(answered("POST /token", 200), 2);
  EXPECT_EQ(stored_version(), 2);
}

TEST_F(OAuthCredentialsTest, ARejectedClientSecretBlocksTheAccountUntilTheSecretFileChanges) {
  ASSERT_NO_FATAL_FAILURE(authorize());
  // The operator rotated the app's secret in Keap but not in client_secret_file.
  const auto secret_file = dir.write_secret("client-secret", "shop-app-old-secret-9Tq2\n");
  OAuthClient stale(*client, origin() + "/token", kClientId, config::read_secret_file(secret_file));
  OAuthCredentials credentials(io.get_executor(), "shop", pool, {}, stale, clock.clock(), logger,
                               {}, secret_file);
  KeapApi api(*client, http::Url::parse(origin() + "/crm"), credentials, limiter, clock.clock(),
              logger);
  std::vector<std::string> refreshes;
  credentials.observe_refreshes([&](std::string_view r) { refreshes.emplace_back(r); });
  clock.advance(10min);
  ASSERT_EQ(sandbox_call("POST", "/_sandbox/tokens/expire").status, 200);

  const auto refused = run(api.call(kList));
  EXPECT_EQ(refused.error.error_class, ErrorClass::auth);
  EXPECT_EQ(credentials.state(), AccountState::credentials_rejected);
  EXPECT_EQ(answered("POST /token", 401), 1);
  EXPECT_EQ(refreshes, std::vector<std::string>{"credentials_rejected"});

  // Not a transient failure: no retry of the token call, however often rows ask.
  clock.advance(20min);
  EXPECT_FALSE(run(api.call(kList)).ok());
  EXPECT_EQ(answered("POST /token", 401), 1);

  // The right secret in the file lifts the block at the next recheck.
  dir.write_secret("client-secret", std::string(kClientSecret) + "\n");
  clock.advance(1min);
  const auto out = run(api.call(kList));
  ASSERT_TRUE(out.ok()) << out.error.message;
  EXPECT_EQ(credentials.state(), AccountState::ok);
  EXPECT_EQ(answered("POST /token", 200), 2);  // the code exchange, then the refresh
  EXPECT_EQ(stored_version(), 2);
}

}  // namespace
}  // namespace keapsync::auth
