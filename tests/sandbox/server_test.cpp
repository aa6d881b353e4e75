// The sandbox over real TLS: an in-process Server, and the keapsync binary
// started as a separate process (`sandbox --listen 127.0.0.1:0 --self-signed DIR`).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "https_client.hpp"
#include "sandbox/form_codec.hpp"
#include "sandbox/router.hpp"
#include "sandbox/server.hpp"
#include "support/sandbox_process.hpp"
#include "tls/certificate_authority.hpp"

namespace keapsync::sandbox::test {
namespace {
namespace json = boost::json;

class InProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    tls::CertificateAuthority ca("sandbox test CA");
    ca_pem = ca.certificate_pem();
    auto pair = ca.issue_server({"127.0.0.1", "localhost"});
    options.certificate_pem = pair.certificate_pem;
    options.private_key_pem = pair.private_key_pem;
  }
  void start() {
    router = std::make_unique<Router>(config);
    server = std::make_unique<Server>(*router, options);
    server->start();
  }
  HttpsClient client(const std::string& host = "127.0.0.1") {
    return HttpsClient(ca_pem, host, server->port());
  }

  SandboxConfig config;
  Server::Options options;
  std::string ca_pem;
  std::unique_ptr<Router> router;
  std::unique_ptr<Server> server;
};

TEST_F(InProcess, OAuthFlowAndContactOverVerifiedTls) {
  start();
  auto c = client("localhost");
  auto auth = c.request(
      "GET", "/app/oauth/authorize?client_id=sandbox-client&response_type=code&redirect_uri=" +
                 percent_encode("https://shop.example/cb"));
  ASSERT_EQ(auth.status, 302);
  auto location = auth.headers.at("location");
  auto code = param(*parse_form(location.substr(location.find('?') + 1)), "code").value();
  auto token =
      c.request("POST", "/token",
                {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Authorization", "Basic " + base64_encode("sandbox-client:sandbox-secret")}},
                "grant_type=authorization_code&code=" + code +
                    "&redirect_uri=" + percent_encode("https://shop.example/cb"));
  ASSERT_EQ(token.status, 200) << token.body;
  auto access = std::string(json::parse(token.body).at("access_token").as_string());
  for (int i = 0; i < 3; ++i) {  // several requests on the kept-alive connection
    auto created =
        c.request("POST", "/crm/rest/v2/contacts?duplicate_option=Email",
                  {{"Authorization", "Bearer " + access}, {"Content-Type", "application/json"}},
                  R"({"email_addresses":[{"email":"tls@example.com","field":"EMAIL1"}]})");
    EXPECT_EQ(created.status, i == 0 ? 201 : 200) << created.body;
    EXPECT_EQ(created.headers.at("x-keap-product-throttle-limit"), "1500");
  }
}

TEST_F(InProcess, ClientWithAnotherCaIsRefused) {
  start();
  tls::CertificateAuthority other("someone else");
  HttpsClient c(other.certificate_pem(), "127.0.0.1", server->port());
  EXPECT_THROW(c.request("GET", "/_sandbox/stats"), std::exception);
}

TEST_F(InProcess, DroppedConnectionsAndLatency) {
  start();
  auto c = client();
  auto set = c.request("POST", "/_sandbox/faults", {{"Content-Type", "application/json"}},
                       R"({"drop_rate":1})");
  ASSERT_EQ(set.status, 200);
  EXPECT_THROW(c.request("GET", "/rest/v2/contacts", {{"X-Keap-API-Key", "KeapAK-sandbox-key"}}),
               std::exception);
  c.request("POST", "/_sandbox/faults", {{"Content-Type", "application/json"}},
            R"({"latency_ms":150})");
  auto start_time = std::chrono::steady_clock::now();
  auto res = c.request("GET", "/rest/v2/contacts", {{"X-Keap-API-Key", "KeapAK-sandbox-key"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start_time, std::chrono::milliseconds{150});
  auto stats = json::parse(c.request("GET", "/_sandbox/stats").body);
  EXPECT_EQ(stats.at("routes").at("GET /rest/v2/contacts").at("0").to_number<std::uint64_t>(), 1u)
      << "drops are counted as 0";
}

TEST_F(InProcess, AChangeAppliedAfterTheLatencyLandsWhenItsAnswerLeaves) {
  // Keap carrying out a create after the client gave up on its answer.
  config.faults.latency = std::chrono::milliseconds{2000};
  config.faults.apply_after_latency = true;
  start();
  auto impatient = client();
  EXPECT_THROW(impatient.request(
                   "POST", "/rest/v2/contacts",
                   {{"X-Keap-API-Key", "KeapAK-sandbox-key"}, {"Content-Type", "application/json"}},
                   R"({"email_addresses":[{"email":"late@example.com",)"
                   R"("field":"EMAIL1"}]})",
                   std::chrono::milliseconds{100}),
               std::exception);
  auto c = client();
  const auto stored = [&] {
    return json::parse(c.request("GET", "/_sandbox/contacts").body)
        .at("contacts")
        .as_array()
        .size();
  };
  EXPECT_EQ(stored(), 0u) << "applied on arrival";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (stored() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});  // no event: polled
  EXPECT_EQ(stored(), 1u) << "never applied";
}

TEST_F(InProcess, StopLetsTheRequestInFlightFinish) {
  config.faults.latency = std::chrono::milliseconds{300};
  std::promise<void> started;
  options.on_request = [&] { started.set_value(); };
  start();
  auto c = client();
  std::optional<HttpsResult> result;
  std::thread caller([&] {
    try {
      result = c.request("GET", "/rest/v2/contacts", {{"X-Keap-API-Key", "KeapAK-sandbox-key"}});
    } catch (const std::exception&) {
    }
  });
  ASSERT_EQ(started.get_future().wait_for(std::chrono::seconds{10}), std::future_status::ready);
  server->stop();  // while the answer is still 300 ms away
  caller.join();
  ASSERT_TRUE(result.has_value()) << "the request in flight was cut off";
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->headers.at("connection"), "close");
}

TEST_F(InProcess, BodyLimitGives413) {
  config.max_body_bytes = 2048;
  start();
  auto c = client();
  auto res =
      c.request("POST", "/rest/v2/contacts",
                {{"X-Keap-API-Key", "KeapAK-sandbox-key"}, {"Content-Type", "application/json"}},
                std::string(4096, ' '));
  EXPECT_EQ(res.status, 413);
}

// ---- the binary as a separate process --------------------------------------

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Binary, StartsOnPortZeroServesVerifiedTlsAndStopsOnSigterm) {
  testing::SandboxProcess::Options options;
  options.binary = KEAPSYNC_BINARY;
  auto dir = std::filesystem::temp_directory_path() /
             ("keapsync-sandbox-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto state = (dir / "state.json").string();
  options.dir = dir.string();
  options.extra_args = {"--state", state};
  options.config_yaml = "api_keys: [KeapAK-process]\n";
  {
    testing::SandboxProcess p(options);
    ASSERT_NE(p.port(), 0);
    HttpsClient c(slurp(p.ca_file()), "127.0.0.1", p.port());
    auto res =
        c.request("POST", "/rest/v2/contacts",
                  {{"X-Keap-API-Key", "KeapAK-process"}, {"Content-Type", "application/json"}},
                  R"({"email_addresses":[{"email":"proc@example.com","field":"EMAIL1"}]})");
    EXPECT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(p.stop(SIGTERM), 0);
  }
  ASSERT_TRUE(std::filesystem::exists(state));
  EXPECT_NE(slurp(state).find("proc@example.com"), std::string::npos) << "--state saved at exit";
  {
    testing::SandboxProcess p(options);  // a restart loads the state file again
    HttpsClient c(slurp(p.ca_file()), "localhost", p.port());
    EXPECT_NE(c.request("GET", "/_sandbox/contacts").body.find("proc@example.com"),
              std::string::npos);
    EXPECT_EQ(p.stop(SIGINT), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(Binary, FaultAndTokenFlagsOverrideTheConfig) {
  testing::SandboxProcess::Options options;
  options.binary = KEAPSYNC_BINARY;
  options.config_yaml = "faults: {error_rate: 0.5, latency_ms: 1}\n";
  options.extra_args = {"--error-rate", "1", "--error-status", "503", "--expires-in", "7"};
  testing::SandboxProcess p(options);
  HttpsClient c(slurp(p.ca_file()), "127.0.0.1", p.port());
  auto res = c.request("GET", "/rest/v2/contacts", {{"X-Keap-API-Key", "KeapAK-sandbox-key"}});
  EXPECT_EQ(res.status, 503);
  auto faults = json::parse(c.request("GET", "/_sandbox/faults").body);
  EXPECT_EQ(faults.at("error_rate").to_number<double>(), 1.0);
  EXPECT_EQ(faults.at("latency_ms").to_number<int>(), 1)
      << "keys without a flag keep the file's value";
  // The token endpoint is faulted too; switch faults off to see expires_in.
  c.request("POST", "/_sandbox/faults", {{"Content-Type", "application/json"}}, "{}");
  auto auth = c.request(
      "GET", "/app/oauth/authorize?client_id=sandbox-client&response_type=code&redirect_uri=" +
                 percent_encode("https://shop.example/cb"));
  auto location = auth.headers.at("location");
  auto code = param(*parse_form(location.substr(location.find('?') + 1)), "code").value();
  auto token = c.request(
      "POST", "/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
      "client_id=sandbox-client&client_secret=sandbox-secret&grant_type=authorization_code&code=" +
          code + "&redirect_uri=" + percent_encode("https://shop.example/cb"));
  EXPECT_EQ(json::parse(token.body).at("expires_in").to_number<int>(), 7) << token.body;
  EXPECT_EQ(p.stop(SIGTERM), 0);
}

TEST(Binary, RefusesBadFlags) {
  testing::SandboxProcess::Options options;
  options.binary = KEAPSYNC_BINARY;
  options.extra_args = {"--tls-cert", "/nonexistent"};  // conflicts with --self-signed
  EXPECT_THROW(testing::SandboxProcess{options}, std::runtime_error);
  options.extra_args = {};
  options.config_yaml = "tokens: {acces_expires_in: 5}\n";  // a typo in the config
  EXPECT_THROW(testing::SandboxProcess{options}, std::runtime_error);
  options.config_yaml = {};
  options.extra_args = {"--drop-rate", "2"};
  EXPECT_THROW(testing::SandboxProcess{options}, std::runtime_error);
}

}  // namespace
}  // namespace keapsync::sandbox::test
