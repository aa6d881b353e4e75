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
#include <thread>

#include "base/manual_clock.hpp"
#include "db/token_store.hpp"
#include "http/client.hpp"
#include "keap/keap_api.hpp"
#include "sandbox/form_codec.hpp"
#include "sandbox/router.hpp"
#include "sandbox/server.hpp"
#include "support/https_test_server.hpp"
#include "support/migrated_database.hpp"
#include "support/suite_log.hpp"
#include "support/temp_dir.hpp"
#include "tls/certificate_authority.hpp"

namespace keapsync::auth {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using keap::ApiOutcome;
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
  // Generous limits: the storm test sends 100 calls at once.
  c.rate_limits.oauth_spike = {100000, 1s};
  c.rate_limits.oauth_throttle = {100000, 60s};
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

  sandbox::Response sandbox_call(const std::string& method, const std::string& target,
                                 const std::string& body = "") {
    std::map<std::string, std::string> headers;
    if (!body.empty()) headers["content-type"] = "application/json";
    return router.handle({method, target, headers, body}, std::chrono::system_clock::now());
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
    const auto result = run(oauth->exchange_code(sandbox::param(*params, "code").value(), kRedirect,
                                                 std::chrono::steady_clock::now() + 10s));
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

  // Makes the proactive refresh due and ends every session of the test
  // database while Keap's (late) answer is on its way; the API call made then.
  ApiOutcome refresh_during_an_outage(KeapApi& api) {
    // Keap rotates at once but answers late; meanwhile every session of ours ends.
    EXPECT_EQ(sandbox_call("POST", "/_sandbox/faults", R"({"token_delay_ms":1500})").status, 200);
    std::thread outage([&] {
      auto admin = db.connect();
      for (int i = 0; i < 2000; ++i) {
        pqxx::nontransaction tx(*admin);
        // The attempt is on record, so the request is about to leave or has left.
        if (tx.exec("SELECT 1 FROM keapsync.refresh_attempt WHERE finished_at IS NULL").size() ==
            1) {
          tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                  db.name() + "' AND pid <> pg_backend_pid()");
          return;
        }
        std::this_thread::sleep_for(5ms);  // polling the database: no event exists for it
      }
      ADD_FAILURE() << "the refresh never started";
    });
    clock.advance(50min);  // the proactive refresh is due
    auto during = run(api.call(kList));
    outage.join();
    EXPECT_EQ(sandbox_call("POST", "/_sandbox/faults", "{}").status, 200);
    return during;
  }

  // A pair the test makes up, stored as `keapsync auth` would, issued 50 min
  // ago on the test's clock (so a refresh is due: 75 % of an hour).
  void store_pair(const std::string& tag) {
    db::TokenStore store(db.conn(), std::nullopt, {});
    store.save("shop", {config::Secret("access-" + tag + "-Rw2q"),
                        config::Secret("refresh-" + tag + "-Jx8m"), clock.now() - 50min,
                        clock.now() + 10min, "full"});
  }
};

// A token endpoint of the test's own (HTTPS on loopback): the odd answers
// and lost connections the sandbox does not make.
class TokenEndpointTest : public OAuthCredentialsTest {
 protected:
  testing::HttpsTestServer endpoint{ca};
  std::unique_ptr<OAuthClient> direct;
  std::vector<std::string> refreshes;

  void SetUp() override {
    OAuthCredentialsTest::SetUp();
    direct = std::make_unique<OAuthClient>(*client, endpoint.origin() + "/token", kClientId,
                                           config::Secret(kClientSecret));
  }

  std::unique_ptr<OAuthCredentials> credentials() {
    auto c = std::make_unique<OAuthCredentials>(io.get_executor(), "shop", pool, TokenKeys{},
                                                *direct, clock.clock(), logger);
    c->observe_refreshes([this](std::string_view r) { refreshes.emplace_back(r); });
    return c;
  }

  std::vector<std::string> token_bodies() const {
    std::vector<std::string> out;
    for (const auto& r : endpoint.received())
      if (r.target == "/token") out.push_back(r.body);
    return out;
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

TEST_F(OAuthCredentialsTest, ThePairSurvivesTheDatabaseDroppingDuringTheTokenCall) {
  ASSERT_NO_FATAL_FAILURE(authorize());
  OAuthCredentials credentials(io.get_executor(), "shop", pool, {}, *oauth, clock.clock(), logger);
  KeapApi api(*client, http::Url::parse(origin() + "/crm"), credentials, limiter, clock.clock(),
              logger);
  std::vector<std::string> refreshes;
  credentials.observe_refreshes([&](std::string_view r) { refreshes.emplace_back(r); });
  ASSERT_TRUE(run(api.call(kList)).ok());

  const auto during = refresh_during_an_outage(api);
  ASSERT_TRUE(during.ok()) << during.error.message;  // sent with the new, unsaved token
  EXPECT_EQ(refreshes, std::vector<std::string>{"refreshed_unsaved"});
  EXPECT_TRUE(credentials.status().unsaved);
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "1");

  // The next refresh stores the kept pair first, then refreshes from it: Keap
  // accepts its refresh token, so nothing was lost.
  clock.advance(50min);
  const auto after = run(api.call(kList));
  ASSERT_TRUE(after.ok()) << after.error.message;
  EXPECT_EQ(refreshes, (std::vector<std::string>{"refreshed_unsaved", "refreshed"}));
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "3");
  EXPECT_EQ(answered("POST /token", 200), 3);  // the code exchange and two refreshes
  EXPECT_EQ(answered("POST /token", 400), 0);  // no spent token was ever sent
  EXPECT_FALSE(credentials.status().unsaved);
  EXPECT_EQ(credentials.state(), AccountState::ok);
}

TEST_F(OAuthCredentialsTest, AHundredConcurrent401sRefreshOnce) {
  ASSERT_NO_FATAL_FAILURE(authorize());
  OAuthCredentials credentials(io.get_executor(), "shop", pool, {}, *oauth, clock.clock(), logger);
  RateLimiter open_limiter{RateLimits{0, 0, 0, 0, 0, 0}, clock.now()};
  KeapApi api(*client, http::Url::parse(origin() + "/crm"), credentials, open_limiter,
              clock.clock(), logger);
  ASSERT_TRUE(run(api.call(kList)).ok());
  clock.advance(10min);
  ASSERT_EQ(sandbox_call("POST", "/_sandbox/tokens/expire").status, 200);
  int ok = 0, done = 0;
  for (int i = 0; i < 100; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const auto out = co_await api.call(kList);
          ok += out.ok() ? 1 : 0;
          ++done;
        },
        asio::detached);
  }
  io.run_for(60s);
  io.restart();
  EXPECT_EQ(done, 100);
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(answered("POST /token", 200), 2);  // the code exchange, then one refresh
  EXPECT_EQ(stored_version(), 2);
}

TEST_F(TokenEndpointTest, AnAnswerLostAfterTheRequestIsNeitherResentNorAMystery) {
  // The refresh goes out on a kept-alive connection that closes without an
  // answer: Keap may have rotated, so the refresh token must not be resent
  // behind our back, and if it was spent the lockout must say how.
  int token_calls = 0;
  endpoint.set_handler([&](const testing::TestRequest& req) {
    testing::TestResponse res;
    if (req.target != "/token") return res;
    if (++token_calls == 1) {
      res.fault = testing::TestResponse::Fault::close_without_response;
    } else {
      res.status = 400;
      res.body = R"({"error":"invalid_grant","error_description":"Invalid refresh token"})";
    }
    return res;
  });
  store_pair("v1");
  http::Request warm;
  warm.target = "/warm";
  ASSERT_TRUE(run(client->request(http::Url::parse(endpoint.origin()), warm)).ok());
  auto credentials = this->credentials();

  const auto header = run(credentials->header());
  ASSERT_TRUE(header);  // the access token still works until it expires
  EXPECT_EQ(token_bodies().size(), 1u);
  EXPECT_EQ(endpoint.connections(), 1u);  // not resent on a new connection either
  EXPECT_EQ(refreshes, std::vector<std::string>{"failed"});
  EXPECT_EQ(credentials->state(), AccountState::ok);
  EXPECT_NE(credentials->status().reason.find("answer lost"), std::string::npos)
      << credentials->status().reason;
  EXPECT_EQ(db.scalar("SELECT outcome FROM keapsync.refresh_attempt"), "answer_lost");

  // The deliberate next attempt finds out: Keap had rotated.
  clock.advance(11min);
  run(credentials->header());
  EXPECT_EQ(token_bodies().size(), 2u);
  EXPECT_EQ(credentials->state(), AccountState::reauthorization_required);
  const auto reason = db.scalar("SELECT reauth_reason FROM keapsync.credentials");
  EXPECT_NE(reason.find("whose answer was lost"), std::string::npos) << reason;
  EXPECT_EQ(credentials->status().reason, reason);
}

TEST_F(TokenEndpointTest, AnOddGrantIsStillARotation) {
  // No refresh_token (Keap did not rotate it) and expires_in as a string.
  endpoint.set_handler([](const testing::TestRequest&) {
    testing::TestResponse res;
    res.headers.set("Content-Type", "application/json");
    res.body = R"({"access_token":"access-odd-Pz4c","expires_in":"7200","scope":"full"})";
    return res;
  });
  store_pair("v1");
  auto credentials = this->credentials();
  // The token is valid for 10 more minutes: the call goes on with it while
  // the refresh runs, and the one after uses the new one.
  const auto before = run(credentials->header());
  ASSERT_TRUE(before);
  EXPECT_EQ(before->value.reveal(), "Bearer access-v1-Rw2q");
  const auto header = run(credentials->header());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->value.reveal(), "Bearer access-odd-Pz4c");
  EXPECT_EQ(refreshes, std::vector<std::string>{"refreshed"});
  db::TokenStore store(db.conn(), std::nullopt, {});
  const auto stored = store.read("shop").value();
  EXPECT_EQ(stored.version, 2);
  EXPECT_EQ(stored.access_token.reveal(), "access-odd-Pz4c");
  EXPECT_EQ(stored.refresh_token.reveal(), "refresh-v1-Jx8m");  // kept
  EXPECT_EQ(stored.expires_at.value() - stored.issued_at.value(), std::chrono::seconds(7200));
}

TEST_F(TokenEndpointTest, RepeatedUnexplainedRejectionsBlockTheAccount) {
  endpoint.set_handler([](const testing::TestRequest&) {
    testing::TestResponse res;
    res.status = 403;
    res.body = R"({"message":"Forbidden"})";
    return res;
  });
  store_pair("v1");
  auto credentials = this->credentials();
  for (int i = 0; i < 3; ++i) {
    run(credentials->header());
    clock.advance(61min);  // RefreshPolicy::rejected_retry
  }
  EXPECT_EQ(token_bodies().size(), 3u);
  EXPECT_EQ(credentials->state(), AccountState::reauthorization_required);
  EXPECT_EQ(refreshes, (std::vector<std::string>{"rejected", "rejected", "rejected"}));
  run(credentials->header());  // blocked: no further calls
  EXPECT_EQ(token_bodies().size(), 3u);
}

TEST_F(TokenEndpointTest, ARejectedClientIsTriedAgainHourlyEvenWithTheSameSecret) {
  // A gateway's stray 401 must not block the account until a restart.
  int token_calls = 0;
  endpoint.set_handler([&](const testing::TestRequest& req) {
    testing::TestResponse res;
    if (req.target != "/token") return res;
    if (++token_calls == 1) {
      res.status = 401;
      res.body = "<html><title>401 Authorization Required</title></html>";
    } else {
      res.body = R"({"access_token":"access-v2-Rw2q","refresh_token":"refresh-v2-Jx8m",)"
                 R"("expires_in":3600})";
    }
    return res;
  });
  store_pair("v1");
  auto credentials = this->credentials();
  run(credentials->header());
  EXPECT_EQ(credentials->state(), AccountState::credentials_rejected);
  clock.advance(30min);
  run(credentials->header());
  EXPECT_EQ(token_bodies().size(), 1u);  // not retried within the hour
  clock.advance(31min);
  run(credentials->header());
  EXPECT_EQ(token_bodies().size(), 2u);
  EXPECT_EQ(credentials->state(), AccountState::ok);
  EXPECT_EQ(refreshes, (std::vector<std::string>{"credentials_rejected", "refreshed"}));
}

TEST_F(OAuthCredentialsTest, AnUnsavedPairIsStoredWhenTheDaemonStops) {
  ASSERT_NO_FATAL_FAILURE(authorize());
  OAuthCredentials credentials(io.get_executor(), "shop", pool, {}, *oauth, clock.clock(), logger);
  KeapApi api(*client, http::Url::parse(origin() + "/crm"), credentials, limiter, clock.clock(),
              logger);
  ASSERT_TRUE(run(api.call(kList)).ok());
  ASSERT_TRUE(refresh_during_an_outage(api).ok());
  ASSERT_TRUE(credentials.status().unsaved);
  // SIGTERM right away (before run()'s next write): the pair is written on the way out.
  bool stopped = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await credentials.run();
        stopped = true;
      },
      asio::detached);
  credentials.stop();
  io.run_for(20s);
  io.restart();
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(credentials.status().unsaved);
  EXPECT_EQ(db.scalar("SELECT version || ' ' || state FROM keapsync.credentials"), "2 ok");
  // It is the pair Keap issued last: its refresh token works.
  clock.advance(50min);
  OAuthCredentials next(io.get_executor(), "shop", pool, {}, *oauth, clock.clock(), logger);
  KeapApi api2(*client, http::Url::parse(origin() + "/crm"), next, limiter, clock.clock(), logger);
  ASSERT_TRUE(run(api2.call(kList)).ok());
  EXPECT_EQ(answered("POST /token", 400), 0);
  EXPECT_EQ(answered("POST /token", 200), 3);
}

}  // namespace
}  // namespace keapsync::auth
