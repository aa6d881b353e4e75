// KeapApi over real TLS to a scripted server: authentication headers, one
// retry after a 401 with fresh credentials, a blocked account after the
// second 401, throttling, and the classification of failures.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>

#include "auth/api_key_credentials.hpp"
#include "base/manual_clock.hpp"
#include "http/client.hpp"
#include "keap/keap_api.hpp"
#include "log/logger.hpp"
#include "support/https_test_server.hpp"
#include "support/temp_dir.hpp"

namespace keapsync::keap {
namespace {

namespace asio = boost::asio;
using auth::AccountState;
using auth::ApiKeyCredentials;
using auth::AuthHeader;
using auth::Credentials;

// Credentials that hand out "Bearer token-N" and move to N+1 when told of a 401
// (what a refresh does), up to `refreshes` times.
class RotatingCredentials final : public Credentials {
 public:
  explicit RotatingCredentials(int refreshes) : refreshes_left_(refreshes) {}
  asio::awaitable<std::optional<AuthHeader>> header() override {
    co_return AuthHeader{"Authorization", config::Secret("Bearer token-" + std::to_string(n_))};
  }
  asio::awaitable<bool> on_unauthorized(const AuthHeader&) override {
    ++unauthorized_calls;
    if (refreshes_left_ == 0) co_return false;
    --refreshes_left_;
    ++n_;
    co_return true;
  }
  AccountState state() const override { return AccountState::ok; }
  int unauthorized_calls = 0;

 private:
  int refreshes_left_;
  int n_ = 1;
};

class KeapApiTest : public ::testing::Test {
 protected:
  tls::CertificateAuthority ca{"keap api test CA"};
  testing::HttpsTestServer server{ca};
  testing::TempDir dir;
  asio::io_context io;
  std::unique_ptr<http::Client> client;
  ManualClock clock{TimePoint(std::chrono::hours(24 * 365 * 56))};
  log::Logger logger = log::make_logger({config::LogLevel::warn, config::LogFormat::json});
  RateLimiter limiter{RateLimits::api_key(), clock.now()};

  void SetUp() override {
    http::ClientOptions options;
    options.ca_file = dir.write("ca.pem", ca.certificate_pem());
    client = std::make_unique<http::Client>(io.get_executor(), options);
  }

  std::vector<RequestRecord> records;  // what KeapApi reported to its observer

  ApiOutcome call(Credentials& credentials, const KeapRequest& request,
                  const std::string& origin = "", const CallWindow& window = {}) {
    KeapApi api(*client, http::Url::parse((origin.empty() ? server.origin() : origin) + "/crm"),
                credentials, limiter, clock.clock(), logger);
    api.observe_requests([this](const RequestRecord& r) { records.push_back(r); });
    std::optional<ApiOutcome> out;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { out = co_await api.call(request, window); },
        asio::detached);
    io.run_for(std::chrono::seconds(20));
    io.restart();
    EXPECT_TRUE(out.has_value()) << "no outcome within 20 s";
    return out.value_or(ApiOutcome{});
  }
};

const KeapRequest kGet{"GET", "/rest/v2/contacts/7", std::nullopt, {}};

TEST_F(KeapApiTest, AClosedWindowSendsNothingAndSaysFenced) {
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{200, {}, "{}"};
  });
  RotatingCredentials credentials(0);
  int asked = 0;
  const auto out =
      call(credentials, kGet, "", [&]() -> std::optional<std::chrono::steady_clock::time_point> {
        ++asked;
        return std::nullopt;
      });
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.error.error_class, ErrorClass::fenced);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(KeapApiTest, TheWindowIsTheDeadlineOfTheRequest) {
  // The server reads the request and never answers: the window's end, not the
  // 30 s read timeout, ends the call.
  server.set_handler([](const testing::TestRequest&) {
    testing::TestResponse r;
    r.fault = testing::TestResponse::Fault::stall;
    return r;
  });
  RotatingCredentials credentials(0);
  const auto started = std::chrono::steady_clock::now();
  const auto end = started + std::chrono::milliseconds(700);
  const auto out = call(credentials, kGet, "", [&] { return std::optional(end); });
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.error.error_class, ErrorClass::transient) << out.error.message;
  EXPECT_EQ(server.requests(), 1u);
  EXPECT_GE(took, std::chrono::milliseconds(700));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(KeapApiTest, AWaitForAFreeConnectionIsNotAKeapFailure) {
  // One connection, held by a call Keap does not answer: the second call waits
  // for it in keapsync's own pool and gives up there, never sent.
  http::ClientOptions options;
  options.ca_file = dir.path() + "/ca.pem";
  options.max_connections_per_host = 1;
  options.pool_wait_timeout = std::chrono::milliseconds(300);
  client = std::make_unique<http::Client>(io.get_executor(), options);
  server.set_handler([](const testing::TestRequest&) {
    testing::TestResponse r;
    r.fault = testing::TestResponse::Fault::stall;
    return r;
  });
  RotatingCredentials credentials(0);
  KeapApi api(*client, http::Url::parse(server.origin() + "/crm"), credentials, limiter,
              clock.clock(), logger);
  api.observe_requests([this](const RequestRecord& r) { records.push_back(r); });
  std::optional<ApiOutcome> held, queued;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  const CallWindow window = [&] { return std::optional(end); };
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { held = co_await api.call(kGet, window); },
      asio::detached);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { queued = co_await api.call(kGet, window); },
      asio::detached);
  io.run_for(std::chrono::seconds(20));
  ASSERT_TRUE(held && queued);
  EXPECT_EQ(queued->error.error_class, ErrorClass::transient);
  EXPECT_FALSE(queued->error.request_sent);
  EXPECT_NE(queued->error.message.find("no free connection"), std::string::npos)
      << queued->error.message;
  EXPECT_EQ(server.requests(), 1u);
  // Only the call that reached Keap (and timed out there) is a Keap request.
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, "transport_error");
}

TEST_F(KeapApiTest, A401IsFollowedByOneRefreshAndOneRetry) {
  server.set_handler([](const testing::TestRequest& r) {
    if (r.headers.get("Authorization") == "Bearer token-1") {
      return testing::TestResponse{
          401,
          {},
          R"({"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}})"};
    }
    return testing::TestResponse{200, {}, R"({"id":"7"})"};
  });
  RotatingCredentials credentials(1);
  const auto out = call(credentials, kGet);
  ASSERT_TRUE(out.ok()) << out.error.message;
  EXPECT_EQ(out.reply->body.at("id").as_string(), "7");
  EXPECT_EQ(credentials.unauthorized_calls, 1);
  const auto received = server.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].target, "/crm/rest/v2/contacts/7");
  EXPECT_EQ(received[1].headers.get("Authorization"), "Bearer token-2");
}

TEST_F(KeapApiTest, EveryExchangeIsReportedWithItsRouteTemplateAndStatus) {
  server.set_handler([](const testing::TestRequest& r) {
    if (r.headers.get("Authorization") == "Bearer token-1")
      return testing::TestResponse{401, {}, "{}"};
    return testing::TestResponse{200, {}, R"({"id":"7"})"};
  });
  RotatingCredentials credentials(1);
  ASSERT_TRUE(call(credentials, {"PATCH",
                                 "/rest/v2/contacts/7?update_mask=given_name",
                                 boost::json::object{{"given_name", "Ada"}},
                                 {"given_name"}})
                  .ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].method, "PATCH");
  EXPECT_EQ(records[0].route, "/rest/v2/contacts/{id}");
  EXPECT_EQ(records[0].status, "401");
  EXPECT_EQ(records[1].status, "200");
  EXPECT_GT(records[1].seconds, 0.0);

  // Nothing listens on port 1: no response, a transport error.
  records.clear();
  EXPECT_FALSE(call(credentials, kGet, "https://127.0.0.1:1").ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, "transport_error");
  EXPECT_EQ(records[0].route, "/rest/v2/contacts/{id}");
}

TEST_F(KeapApiTest, ASecond401GivesUpWithAnAuthError) {
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{401, {}, "{}"};
  });
  RotatingCredentials credentials(5);
  const auto out = call(credentials, kGet);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error.error_class, ErrorClass::auth);
  EXPECT_EQ(server.requests(), 2u);  // one retry, never a storm
  EXPECT_GT(out.retry_at, clock.now());
}

TEST_F(KeapApiTest, ApiKeyIsSentInItsHeaderAndA401BlocksTheAccount) {
  const auto key_file = dir.write_secret("key", "KeapAK-test-key-123456\n");
  ApiKeyCredentials credentials(key_file, clock.clock(), logger);
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{401, {}, "{}"};
  });
  const auto out = call(credentials, kGet);
  EXPECT_EQ(out.error.error_class, ErrorClass::auth);
  EXPECT_EQ(server.received().at(0).headers.get("X-Keap-API-Key"), "KeapAK-test-key-123456");
  EXPECT_EQ(credentials.state(), AccountState::credentials_rejected);
  // Blocked: no further request reaches Keap.
  const auto again = call(credentials, kGet);
  EXPECT_EQ(again.error.error_class, ErrorClass::auth);
  EXPECT_EQ(server.requests(), 1u);
  // A new key in the file unblocks it (after the recheck interval).
  dir.write_secret("key", "KeapAK-new-key-654321\n");
  clock.advance(std::chrono::minutes(1));
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{200, {}, "{}"};
  });
  EXPECT_TRUE(call(credentials, kGet).ok());
  EXPECT_EQ(credentials.state(), AccountState::ok);
}

TEST_F(KeapApiTest, A429PausesTheLimiterAndReturnsThrottledWithRetryAt) {
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{
        429,
        {{"Retry-After", "30"}},
        R"({"code":"429","message":"Quota Exceeded","status":"Request Throttled","details":null})"};
  });
  RotatingCredentials credentials(0);
  const auto out = call(credentials, kGet);
  EXPECT_EQ(out.error.error_class, ErrorClass::throttled);
  EXPECT_GE(out.retry_at, clock.now() + std::chrono::seconds(30));
  // The next call does not reach Keap before the pause ends.
  const auto next = call(credentials, kGet);
  EXPECT_EQ(next.error.error_class, ErrorClass::throttled);
  EXPECT_EQ(server.requests(), 1u);
}

TEST_F(KeapApiTest, ServerErrorsAreTransientAndClientErrorsPermanentWithKeapsMessage) {
  server.set_handler([](const testing::TestRequest& r) {
    if (r.method == "GET") return testing::TestResponse{503, {}, "upstream down"};
    return testing::TestResponse{
        400, {}, R"({"code":400,"message":"Invalid email address","status":"BAD_REQUEST"})"};
  });
  RotatingCredentials credentials(0);
  EXPECT_EQ(call(credentials, kGet).error.error_class, ErrorClass::transient);
  const auto bad = call(credentials, {"POST", "/rest/v2/contacts", boost::json::object{}, {}});
  EXPECT_EQ(bad.error.error_class, ErrorClass::permanent);
  EXPECT_NE(bad.error.message.find("Invalid email address"), std::string::npos)
      << bad.error.message;
  EXPECT_EQ(server.received().at(1).headers.get("Content-Type"), "application/json");
}

}  // namespace
}  // namespace keapsync::keap
