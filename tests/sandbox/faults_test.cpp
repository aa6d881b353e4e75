// Fault injection and the /_sandbox endpoints, through the Router.
#include "sandbox/faults.hpp"
#include "router_fixture.hpp"
#include "sandbox/sandbox_config.hpp"

namespace keapsync::sandbox::test {
namespace {

using SandboxEndpoints = RouterTest;

TEST(Faults, ErrorShareIsRoughlyTheConfiguredOneAndSeeded) {
  SandboxConfig::Faults f;
  f.error_rate = 0.3;
  f.seed = 7;
  Faults a(f), b(f);
  int errors = 0;
  for (int i = 0; i < 10000; ++i) {
    auto da = a.decide("GET /rest/v2/contacts", false);
    auto db = b.decide("GET /rest/v2/contacts", false);
    ASSERT_EQ(da.error_status, db.error_status) << "same seed, same sequence";
    errors += da.error_status != 0;
  }
  EXPECT_NEAR(errors / 10000.0, 0.3, 0.03);
}

TEST(Faults, LatencyJitterAndSlowToken) {
  SandboxConfig::Faults f;
  f.latency = std::chrono::milliseconds{20};
  f.jitter = std::chrono::milliseconds{10};
  f.token_delay = std::chrono::milliseconds{500};
  Faults faults(f);
  for (int i = 0; i < 100; ++i) {
    auto d = faults.decide("GET /rest/v2/contacts", false);
    EXPECT_GE(d.delay.count(), 20);
    EXPECT_LE(d.delay.count(), 30);
  }
  EXPECT_GE(faults.decide("POST /token", true).delay.count(), 520);
}

TEST_F(SandboxEndpoints, InjectedErrorsDropsAndLatencyFromConfig) {
  config.faults.error_rate = 1.0;
  config.faults.error_status = 503;
  config.faults.latency = std::chrono::milliseconds{15};
  auto res = api("GET", "/rest/v2/contacts");
  expect_v2_error(res, 503);
  EXPECT_EQ(res.delay.count(), 15);
  EXPECT_EQ(call("GET", "/_sandbox/contacts").status, 200)
      << "the sandbox's own endpoints are never faulted";
}

TEST_F(SandboxEndpoints, FaultsCanBeSetAtRuntime) {
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  auto set = call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
                  R"({"drop_rate":1.0,"token_delay_ms":250})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(body(set).at("token_delay_ms").as_int64(), 250);
  EXPECT_TRUE(api("GET", "/rest/v2/contacts").drop);

  call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
       R"({"token_delay_ms":250})");
  EXPECT_FALSE(api("GET", "/rest/v2/contacts").drop) << "settings not given are reset";
  EXPECT_EQ(token_request("grant_type=refresh_token&refresh_token=x").delay.count(), 250);
  EXPECT_EQ(api("GET", "/rest/v2/contacts").delay.count(), 0);

  expect_v2_error(call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
                       R"({"error_rate":2})"),
                  400);
  expect_v2_error(
      call("POST", "/_sandbox/faults", {{"content-type", "application/json"}}, R"({"speed":1})"),
      400);
  EXPECT_EQ(body(call("GET", "/_sandbox/faults")).at("token_delay_ms").as_int64(), 250);

  // A delay that passes before the request takes effect is the server's to
  // wait out: the answer carries none.
  call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
       R"({"latency_ms":40,"apply_after_latency":true})");
  const Request list{"GET", "/rest/v2/contacts", {{"x-keap-api-key", "KeapAK-sandbox-key"}}, ""};
  const auto fault = r().admit(list);
  EXPECT_TRUE(fault.delay_first);
  EXPECT_EQ(fault.delay.count(), 40);
  EXPECT_EQ(r().handle(list, now, fault).delay.count(), 0);
  EXPECT_FALSE(r().admit({"GET", "/_sandbox/stats", {}, ""}).delay_first);
  expect_v2_error(call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
                       R"({"apply_after_latency":1})"),
                  400);
}

TEST_F(SandboxEndpoints, FaultsCanBeAimedAtOneRoute) {
  auto set = call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
                  R"({"error_rate":1,"error_status":502,"route":"GET /rest/v2/contacts/{id}"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(body(set).at("route").as_string(), "GET /rest/v2/contacts/{id}");
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  expect_v2_error(api("GET", "/rest/v2/contacts/1"), 502);
  call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
       R"({"latency_ms":300,"drop_rate":1,"route":"POST /rest/v2/tags"})");
  const auto other = api("GET", "/rest/v2/tags");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.delay.count(), 0);
  EXPECT_TRUE(api("POST", "/rest/v2/tags", R"({"name":"Slow"})").drop);
  call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
       R"({"latency_ms":300,"route":"POST /rest/v2/tags"})");
  EXPECT_EQ(api("POST", "/rest/v2/tags", R"({"name":"Slow"})").delay.count(), 300);
  expect_v2_error(
      call("POST", "/_sandbox/faults", {{"content-type", "application/json"}}, R"({"route":7})"),
      400);
}

TEST_F(SandboxEndpoints, ContactsAndStats) {
  api("POST", "/rest/v2/contacts",
      R"({"email_addresses":[{"email":"a@example.com","field":"EMAIL1"}]})");
  api("POST", "/rest/v2/contacts", R"({"given_name":"no channel"})");
  api("GET", "/rest/v2/contacts/1");
  api("GET", "/rest/v2/contacts/2");
  auto contacts = body(call("GET", "/_sandbox/contacts"));
  ASSERT_EQ(contacts.at("contacts").as_array().size(), 1u);
  EXPECT_EQ(contacts.at("contacts").at(0).at("email_addresses").at(0).at("email").as_string(),
            "a@example.com");

  auto stats = body(call("GET", "/_sandbox/stats"));
  EXPECT_EQ(stats.at("total").to_number<std::uint64_t>(), 4u);
  auto routes = stats.at("routes").as_object();
  EXPECT_EQ(routes.at("POST /rest/v2/contacts").at("201").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(routes.at("POST /rest/v2/contacts").at("400").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(routes.at("GET /rest/v2/contacts/{id}").at("200").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(routes.at("GET /rest/v2/contacts/{id}").at("404").to_number<std::uint64_t>(), 1u);

  EXPECT_EQ(call("POST", "/_sandbox/reset").status, 200);
  EXPECT_TRUE(body(call("GET", "/_sandbox/contacts")).at("contacts").as_array().empty());
}

TEST(SandboxConfigFile, ParsesEveryKeyAndNamesBadOnes) {
  auto c = parse_sandbox_config(R"(
tenant_id: ab123.infusionsoft.com
clients: [{id: c1, secret: s1}]
api_keys: [KeapAK-x]
tokens: {access_expires_in: 5, refresh_expires_in: 60, code_expires_in: 30, reuse_revokes_chain: false}
rate_limits:
  key_throttle: {limit: 3, window_seconds: 2}
faults: {error_rate: 0.1, latency_ms: 5, token_delay_ms: 100, apply_after_latency: true}
)");
  EXPECT_EQ(c.tenant_id, "ab123.infusionsoft.com");
  ASSERT_EQ(c.clients.size(), 1u);
  EXPECT_EQ(c.clients[0].secret, "s1");
  EXPECT_EQ(c.tokens.access_expires_in.count(), 5);
  EXPECT_FALSE(c.tokens.reuse_revokes_chain);
  EXPECT_EQ(c.rate_limits.key_throttle.limit, 3u);
  EXPECT_EQ(c.rate_limits.key_throttle.window.count(), 2);
  EXPECT_EQ(c.rate_limits.oauth_throttle.limit, 1500u) << "defaults stay";
  EXPECT_EQ(c.faults.token_delay.count(), 100);
  EXPECT_TRUE(c.faults.apply_after_latency);

  auto error_of = [](const std::string& yaml) {
    try {
      parse_sandbox_config(yaml);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("tokens: {acces_expires_in: 5}").find("tokens.acces_expires_in"),
            std::string::npos);
  EXPECT_NE(error_of("faults: {error_rate: 3}").find("faults.error_rate"), std::string::npos);
  EXPECT_NE(error_of("tokens:\n  access_expires_in: -1").find("line 2"), std::string::npos);
}

TEST(SandboxConfigFile, ExampleFileLoads) {
  auto c = load_sandbox_config(KEAPSYNC_SOURCE_DIR "/config/sandbox.example.yaml");
  EXPECT_FALSE(c.clients.empty());
}

}  // namespace
}  // namespace keapsync::sandbox::test
