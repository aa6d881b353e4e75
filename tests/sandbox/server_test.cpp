// The sandbox over real TLS: an in-process Server, and the keapsync binary
// started as a separate process (`sandbox --listen 127.0.0.1:0 --self-signed DIR`).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "https_client.hpp"
#include "sandbox/form_codec.hpp"
#include "sandbox/router.hpp"
#include "sandbox/server.hpp"
#include "tls/certificate_authority.hpp"

extern char** environ;

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

class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("spawn");
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // The first line of stdout, or "" when none arrives in time.
  std::string first_line(std::chrono::milliseconds timeout) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{out_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char buf[256];
      auto n = read(out_, buf, sizeof buf);
      if (n <= 0) return "";
      line.append(buf, static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
  }

  // Sends `sig` and waits (bounded) for the exit status; -1 on timeout.
  int stop(int sig, std::chrono::milliseconds timeout) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    kill(pid_, sig);
    pollfd p{pidfd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(timeout.count()));
    close(pidfd);
    if (ready <= 0) return -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Binary, StartsOnPortZeroServesVerifiedTlsAndStopsOnSigterm) {
  auto dir = std::filesystem::temp_directory_path() /
             ("keapsync-sandbox-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto state = dir / "state.json";
  std::filesystem::create_directories(dir);
  {
    Process p({KEAPSYNC_BINARY, "sandbox", "--listen", "127.0.0.1:0", "--self-signed",
               (dir / "tls").string(), "--state", state.string()});
    auto line = p.first_line(std::chrono::seconds{20});
    ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
    auto port = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
    ASSERT_NE(port, 0);
    HttpsClient c(slurp(dir / "tls" / "ca.pem"), "127.0.0.1", port);
    auto res =
        c.request("POST", "/rest/v2/contacts",
                  {{"X-Keap-API-Key", "KeapAK-sandbox-key"}, {"Content-Type", "application/json"}},
                  R"({"email_addresses":[{"email":"proc@example.com","field":"EMAIL1"}]})");
    EXPECT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(p.stop(SIGTERM, std::chrono::seconds{10}), 0);
  }
  ASSERT_TRUE(std::filesystem::exists(state));
  EXPECT_NE(slurp(state).find("proc@example.com"), std::string::npos) << "--state saved at exit";
  {
    // A restart loads the state file again.
    Process p({KEAPSYNC_BINARY, "sandbox", "--listen", "127.0.0.1:0", "--self-signed",
               (dir / "tls").string(), "--state", state.string()});
    auto line = p.first_line(std::chrono::seconds{20});
    ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
    auto port = static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)));
    HttpsClient c(slurp(dir / "tls" / "ca.pem"), "127.0.0.1", port);
    auto contacts = c.request("GET", "/_sandbox/contacts");
    EXPECT_NE(contacts.body.find("proc@example.com"), std::string::npos);
    EXPECT_EQ(p.stop(SIGINT, std::chrono::seconds{10}), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(Binary, RefusesToRunWithoutTls) {
  Process p({KEAPSYNC_BINARY, "sandbox", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(p.first_line(std::chrono::seconds{10}), "");
  EXPECT_EQ(p.stop(0, std::chrono::seconds{10}), 64);
}

}  // namespace
}  // namespace keapsync::sandbox::test
