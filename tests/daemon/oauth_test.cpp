// OAuth end to end: `keapsync auth` through the loopback redirect, tokens
// sealed at rest, `keapsync run` delivering with them, and a dead refresh
// token blocking the account until a new authorization — noticed without a
// restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <thread>

#include "support/background_process.hpp"
#include "support/https_get.hpp"
#include "support/migrated_database.hpp"
#include "support/run_process.hpp"
#include "support/sandbox_process.hpp"
#include "support/temp_dir.hpp"

namespace keapsync {
namespace {

using namespace std::chrono_literals;

constexpr const char* kClientSecret = "sandbox-client-secret-42";
constexpr const char* kTokenKey =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

class OAuth : public ::testing::Test {
 protected:
  testing::TempDir dir;
  testing::MigratedDatabase db;
  testing::SandboxProcess sandbox{
      {KEAPSYNC_BINARY,
       std::string("clients:\n  - id: shop-app\n    secret: ") + kClientSecret + "\n",
       {},
       "",
       20000ms}};
  std::string log_file = dir.path() + "/out.log";

  std::string config(bool encrypt = true) {
    const auto secret = dir.write_secret("client-secret", kClientSecret);
    const auto key = dir.write_secret("token-key", kTokenKey);
    return dir.write("keapsync.yaml",
                     "database:\n  url: \"" + db.url() + "\"\n" + "keap:\n  api_url: " +
                         sandbox.base_url() + "/crm\n" + "  token_url: " + sandbox.base_url() +
                         "/token\n" + "  authorize_url: " + sandbox.base_url() +
                         "/app/oauth/authorize\n" + "  ca_file: " + sandbox.ca_file() + "\n" +
                         "worker:\n  poll_interval: 200ms\nlisten: 127.0.0.1:0\n" +
                         (encrypt ? "token_encryption_key_file: " + key + "\n"
                                  : std::string("token_encryption: none\n")) +
                         "accounts:\n  default:\n    auth: oauth\n    client_id: shop-app\n"
                         "    client_secret_file: " +
                         secret + "\n");
  }

  // Follows the authorize URL like a browser: the sandbox approves and redirects.
  std::string approve(const std::string& authorize_url) {
    const auto r = testing::https_request("GET", authorize_url, sandbox.ca_file());
    const auto location = r.headers.get("Location");
    EXPECT_TRUE(location.has_value()) << r.status << " " << r.body;
    return location.value_or("");
  }

  // `keapsync auth` through the loopback redirect; returns its output. `before_approve` is given
  // the authorize URL while the command waits for the redirect.
  std::string authorize(const std::string& cfg,
                        const std::function<void(const std::string&)>& before_approve = {}) {
    testing::BackgroundProcess auth({KEAPSYNC_BINARY, "auth", "-c", cfg}, log_file);
    std::string url;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (url.empty() && std::chrono::steady_clock::now() < deadline) {
      const auto out = testing::read_file(log_file);
      const auto start = out.find(sandbox.base_url() + "/app/oauth/authorize?");
      if (start != std::string::npos && out.find('\n', start) != std::string::npos) {
        url = out.substr(start, out.find('\n', start) - start);
      } else {
        std::this_thread::sleep_for(10ms);
      }
    }
    EXPECT_FALSE(url.empty()) << testing::read_file(log_file);
    EXPECT_NE(url.find("scope=full"), std::string::npos);
    EXPECT_NE(url.find("state="), std::string::npos);
    if (before_approve) before_approve(url);
    const auto page = testing::plain_get(approve(url));
    EXPECT_NE(page.find("200 OK"), std::string::npos) << page;
    EXPECT_EQ(auth.stop(0, 30s), 0) << testing::read_file(log_file);
    return testing::read_file(log_file);
  }

  // How often the sandbox answered `route` with `status`.
  std::int64_t answered(const std::string& route, int status) {
    const auto r =
        testing::https_request("GET", sandbox.base_url() + "/_sandbox/stats", sandbox.ca_file());
    const auto stats = boost::json::parse(r.body);
    const auto* by_status = stats.at("routes").as_object().if_contains(route);
    if (!by_status) return 0;
    const auto* n = by_status->as_object().if_contains(std::to_string(status));
    return n ? n->as_int64() : 0;
  }

  void set_faults(const std::string& json) {
    const auto r = testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults",
                                          sandbox.ca_file(), json);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // The stored pair was issued 23 h ago: a starting daemon refreshes at once.
  void make_refresh_due() {
    db.scalar(
        "UPDATE keapsync.credentials SET issued_at = now() - interval '23 hours',"
        " expires_at = now() + interval '1 hour' RETURNING 1");
  }

  static int occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
      ++n;
    return n;
  }

  std::size_t sandbox_contact_count() {
    const auto r =
        testing::https_request("GET", sandbox.base_url() + "/_sandbox/contacts", sandbox.ca_file());
    return boost::json::parse(r.body).as_object().at("contacts").as_array().size();
  }
};

TEST_F(OAuth, AuthorizeThroughTheLoopbackRedirectThenDeliver) {
  const auto cfg = config();
  const auto out = authorize(cfg);
  EXPECT_NE(out.find("tokens stored (version 1"), std::string::npos) << out;
  EXPECT_NE(out.find("authorized by owner@sandbox.example"), std::string::npos) << out;
  // Sealed at rest: a key id, and no readable token in the row.
  EXPECT_NE(db.scalar("SELECT key_id FROM keapsync.credentials WHERE account = 'default'"), "NULL");
  // Sealed form: version byte 1, 12-byte nonce, ciphertext, 16-byte tag (the
  // token store's own tests check that no token text survives in the bytes).
  EXPECT_EQ(db.scalar("SELECT get_byte(refresh_token, 0) = 1 AND length(refresh_token) > 29 AND"
                      " get_byte(access_token, 0) = 1 FROM keapsync.credentials"),
            "t");

  testing::BackgroundProcess daemon({KEAPSYNC_BINARY, "run", "-c", cfg}, log_file);
  db.insert("ada", R"({"email":"ada@example.com","given_name":"Ada"})");
  ASSERT_TRUE(db.drained(30s)) << testing::read_file(log_file);
  EXPECT_EQ(sandbox_contact_count(), 1u);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  EXPECT_EQ(testing::read_file(log_file).find(kClientSecret), std::string::npos);
}

TEST_F(OAuth, AuthRecordsTheTenantAndRefusesAnotherTenantsTokensWithoutNewTenant) {
  const auto cfg = config();
  authorize(cfg);
  const auto tenant = db.scalar("SELECT tenant FROM keapsync.credentials");
  EXPECT_NE(tenant, "NULL");
  const auto sealed_before =
      db.scalar("SELECT encode(refresh_token, 'hex') FROM keapsync.credentials");
  // The account was authorized for another Keap app before; this browser is signed in to this one.
  db.scalar("UPDATE keapsync.credentials SET tenant = 'another-app' RETURNING 1");
  const auto code = [&] {
    const auto location =
        approve(sandbox.base_url() + "/app/oauth/authorize?client_id=shop-app&redirect_uri=" +
                "http%3A%2F%2F127.0.0.1%3A9%2Fcallback&response_type=code&scope=full&state=x");
    return dir.write_secret("code", location + "\n");
  };
  const std::vector<std::string> auth = {KEAPSYNC_BINARY,
                                         "auth",
                                         "-c",
                                         cfg,
                                         "--code-file",
                                         "",
                                         "--redirect-uri",
                                         "http://127.0.0.1:9/callback"};
  auto refused_args = auth;
  refused_args[5] = code();
  const auto refused = testing::run_process(refused_args);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(
      refused.err.find("holds tokens of Keap tenant another-app, these are of tenant " + tenant),
      std::string::npos)
      << refused.err;
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "1");
  EXPECT_EQ(db.scalar("SELECT encode(refresh_token, 'hex') FROM keapsync.credentials"),
            sealed_before);

  auto moved_args = auth;
  moved_args[5] = code();
  moved_args.push_back("--new-tenant");
  const auto moved = testing::run_process(moved_args);
  EXPECT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.out.find("Keap tenant " + tenant), std::string::npos) << moved.out;
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "2");
  EXPECT_EQ(db.scalar("SELECT tenant FROM keapsync.credentials"), tenant);
}

TEST_F(OAuth, PlainTokensUnderAKeyBlockTheAccountUntilSealedAndNoRowIsBuried) {
  authorize(config(false));  // stored under token_encryption: none
  const auto cfg = config(true);
  testing::BackgroundProcess daemon({KEAPSYNC_BINARY, "run", "-c", cfg}, log_file);
  db.insert("ada", R"({"email":"ada@example.com"})");
  const auto logged = [&](const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (testing::read_file(log_file).find(what) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  };
  ASSERT_TRUE(logged("the stored OAuth tokens cannot be opened")) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT state || ':' || attempts FROM keapsync.outbox"), "pending:0");

  // A routine rotation leaves the unsealed row; --seal-plain seals it and the account resumes.
  const auto routine = testing::run_process({KEAPSYNC_BINARY, "auth", "-c", cfg, "--rotate-key"});
  EXPECT_EQ(routine.exit_code, 0) << routine.err;
  EXPECT_NE(routine.out.find("account default: its tokens are stored unencrypted"),
            std::string::npos)
      << routine.out;
  EXPECT_EQ(db.scalar("SELECT key_id IS NULL FROM keapsync.credentials"), "t");
  const auto sealed =
      testing::run_process({KEAPSYNC_BINARY, "auth", "-c", cfg, "--rotate-key", "--seal-plain"});
  EXPECT_EQ(sealed.exit_code, 0) << sealed.err;
  ASSERT_TRUE(db.drained(40s)) << testing::read_file(log_file);
  EXPECT_EQ(sandbox_contact_count(), 1u);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox WHERE state = 'dead'"), "0");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(OAuth, AnImportRefusedForItsTenantWritesTheRotatedTokenBackToItsFile) {
  // Unsealed, so that the test can read a live refresh token of this sandbox's tenant.
  const auto cfg = config(false);
  authorize(cfg);
  const std::string imported =
      db.scalar("SELECT convert_from(refresh_token, 'UTF8') FROM keapsync.credentials");
  db.scalar("UPDATE keapsync.credentials SET tenant = 'another-app' RETURNING 1");
  const auto file = dir.write_secret("refresh-token", imported + "\n");

  const auto refused =
      testing::run_process({KEAPSYNC_BINARY, "auth", "-c", cfg, "--refresh-token-file", file});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("written back to " + file), std::string::npos) << refused.err;
  const auto rotated = testing::read_file(file);
  EXPECT_EQ(rotated.find(imported), std::string::npos);  // the spent one is gone
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "1");

  // The token written back still works: the operator moves the account on purpose.
  const auto moved = testing::run_process(
      {KEAPSYNC_BINARY, "auth", "-c", cfg, "--refresh-token-file", file, "--new-tenant"});
  EXPECT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.out.find("restart the daemons"), std::string::npos) << moved.out;
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "2");

  // From standard input a refused token could not be given back: a file is asked for.
  const auto from_stdin =
      testing::run_process({KEAPSYNC_BINARY, "auth", "-c", cfg, "--refresh-token-file", "-"});
  EXPECT_EQ(from_stdin.exit_code, 64);
  EXPECT_NE(from_stdin.err.find("import the refresh token from a file"), std::string::npos)
      << from_stdin.err;
}

TEST_F(OAuth, TokensWhoseTenantUserinfoDoesNotNameAreNotTakenForTheRecordedOne) {
  const auto cfg = config();
  authorize(cfg);
  set_faults(R"({"route":"GET /rest/v2/oauth/connect/userinfo","error_rate":1.0})");
  const auto location =
      approve(sandbox.base_url() + "/app/oauth/authorize?client_id=shop-app&redirect_uri=" +
              "http%3A%2F%2F127.0.0.1%3A9%2Fcallback&response_type=code&scope=full&state=x");
  const auto code = dir.write_secret("code", location + "\n");
  const auto r = testing::run_process({KEAPSYNC_BINARY, "auth", "-c", cfg, "--code-file", code,
                                       "--redirect-uri", "http://127.0.0.1:9/callback"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("of a tenant Keap's userinfo did not name"), std::string::npos) << r.err;
  EXPECT_EQ(db.scalar("SELECT version FROM keapsync.credentials"), "1");
}

TEST_F(OAuth, ADeadRefreshTokenBlocksTheAccountUntilANewAuthorization) {
  const auto cfg = config(false);  // plain storage so the test can spoil the token
  authorize(cfg);
  db.scalar(
      "UPDATE keapsync.credentials SET refresh_token = 'spent-refresh-token'::bytea,"
      " expires_at = now() - interval '1 hour', issued_at = now() - interval '2 hours'"
      " RETURNING 1");
  const std::string daemon_log = dir.path() + "/daemon.log";
  testing::BackgroundProcess daemon({KEAPSYNC_BINARY, "run", "-c", cfg}, daemon_log);
  db.insert("bob", R"({"email":"bob@example.com"})");
  // The refresh fails with Keap's dead-token answer: the account is blocked, rows wait.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (db.scalar("SELECT state FROM keapsync.credentials") != "reauthorization_required" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(db.scalar("SELECT state FROM keapsync.credentials"), "reauthorization_required")
      << testing::read_file(daemon_log);
  EXPECT_EQ(db.scalar("SELECT state FROM keapsync.outbox"), "pending");

  // A new authorization by pasted code; the running daemon picks it up.
  const std::string redirect = "http://127.0.0.1:9/callback";
  const auto location =
      approve(sandbox.base_url() + "/app/oauth/authorize?client_id=shop-app&redirect_uri=" +
              "http%3A%2F%2F127.0.0.1%3A9%2Fcallback&response_type=code"
              "&scope=full&state=x");
  const auto code_file = dir.write_secret("code", location + "\n");
  const auto r = testing::run_process(
      {KEAPSYNC_BINARY, "auth", "-c", cfg, "--code-file", code_file, "--redirect-uri", redirect});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(db.drained(40s)) << testing::read_file(daemon_log);
  EXPECT_EQ(sandbox_contact_count(), 1u);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  const auto log = testing::read_file(daemon_log);
  size_t blocked_lines = 0;
  for (size_t p = log.find("re-authorization required"); p != std::string::npos;
       p = log.find("re-authorization required", p + 1)) {
    ++blocked_lines;
  }
  EXPECT_EQ(blocked_lines, 1u) << log;
  EXPECT_NE(log.find("the account is usable again"), std::string::npos) << log;
  EXPECT_NE(log.find("OAuth tokens are stored unencrypted"), std::string::npos) << log;
}

TEST_F(OAuth, TwoDaemonsAndATokenEndpointThatAnswersAfter40sRefreshOnce) {
  // Keap rotates at once and answers 40 s later: longer than the 30 s the
  // refresh used to wait before it rolled back and dropped the new pair.
  const auto cfg = config();
  authorize(cfg);
  make_refresh_due();
  set_faults(R"({"token_delay_ms":40000})");
  for (int i = 0; i < 6; ++i)
    db.insert("c" + std::to_string(i), R"({"email":"c)" + std::to_string(i) + R"(@example.com"})");
  const std::string log_a = dir.path() + "/a.log", log_b = dir.path() + "/b.log";
  testing::BackgroundProcess a({KEAPSYNC_BINARY, "run", "-c", cfg}, log_a);
  testing::BackgroundProcess b({KEAPSYNC_BINARY, "run", "-c", cfg}, log_b);
  ASSERT_TRUE(db.drained(100s)) << testing::read_file(log_a) << testing::read_file(log_b);
  EXPECT_EQ(sandbox_contact_count(), 6u);
  // Rows may all go out with the old token before Keap's late answer lands.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (db.scalar("SELECT version FROM keapsync.credentials") != "2" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(answered("POST /token", 200), 2);  // the code exchange, then one refresh
  EXPECT_EQ(answered("POST /token", 400), 0);  // no spent token was sent
  EXPECT_EQ(db.scalar("SELECT version || ' ' || state FROM keapsync.credentials"), "2 ok");
  EXPECT_EQ(a.stop(SIGTERM), 0);
  EXPECT_EQ(b.stop(SIGTERM), 0);
  const auto logs = testing::read_file(log_a) + testing::read_file(log_b);
  EXPECT_EQ(occurrences(logs, "\"OAuth tokens refreshed\""), 1) << logs;
  EXPECT_EQ(occurrences(logs, "re-authorization"), 0) << logs;
  EXPECT_EQ(occurrences(logs, "token refresh failed"), 0) << logs;
}

TEST_F(OAuth, ASpentTokenAfterAKillDuringTheTokenCallIsExplained) {
  // kill -9 after Keap rotated and before its answer was stored: the chain is
  // gone (nothing can bring it back), but the operator is told why.
  const auto cfg = config();
  authorize(cfg);
  make_refresh_due();
  set_faults(R"({"token_delay_ms":30000})");
  const std::string first_log = dir.path() + "/first.log";
  {
    testing::BackgroundProcess daemon({KEAPSYNC_BINARY, "run", "-c", cfg}, first_log);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (answered("POST /token", 200) < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);  // the sandbox's stats: polled, no event exists
    }
    ASSERT_EQ(answered("POST /token", 200), 2) << testing::read_file(first_log);
    daemon.stop(SIGKILL);
  }
  set_faults("{}");
  // The unfinished attempt keeps every process from resending its token for
  // RefreshTiming::attempt_window() (75 s; TokenRefresher tests): let it pass.
  db.scalar(
      "UPDATE keapsync.refresh_attempt SET started_at = started_at - interval '2 minutes'"
      " RETURNING 1");
  testing::BackgroundProcess daemon({KEAPSYNC_BINARY, "run", "-c", cfg}, log_file);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (db.scalar("SELECT state FROM keapsync.credentials") != "reauthorization_required" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const auto reason = db.scalar("SELECT reauth_reason FROM keapsync.credentials");
  EXPECT_NE(reason.find("never finished"), std::string::npos) << reason;
  const auto status = testing::run_process({KEAPSYNC_BINARY, "status", "-c", cfg});
  EXPECT_NE(status.out.find("never finished"), std::string::npos) << status.out;
  const auto json = testing::run_process({KEAPSYNC_BINARY, "status", "-c", cfg, "--json"});
  EXPECT_NE(json.out.find(R"("outcome":"dead")"), std::string::npos) << json.out;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

// The loopback listener's port: the one in the redirect_uri of the authorize URL.
unsigned short loopback_port(const std::string& authorize_url) {
  const std::string prefix = "redirect_uri=http%3A%2F%2F127.0.0.1%3A";
  const auto at = authorize_url.find(prefix);
  if (at == std::string::npos) return 0;
  return static_cast<unsigned short>(std::stoi(authorize_url.substr(at + prefix.size())));
}

TEST_F(OAuth, TheLoopbackListenerAnswersGarbageAndBadEscapesAndWaitsForTheRedirect) {
  const auto cfg = config();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket silent(io);
  const auto out = authorize(cfg, [&](const std::string& url) {
    const auto port = loopback_port(url);
    ASSERT_NE(port, 0) << url;
    const boost::asio::ip::tcp::endpoint listener(boost::asio::ip::make_address("127.0.0.1"), port);
    // A client that connects and says nothing (held open while the browser comes).
    silent.connect(listener);
    // Not HTTP: a TLS ClientHello's first bytes.
    boost::asio::ip::tcp::socket tls(io);
    tls.connect(listener);
    boost::asio::write(tls,
                       boost::asio::buffer("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    std::string answer;
    boost::system::error_code ec;
    boost::asio::read(tls, boost::asio::dynamic_buffer(answer), ec);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
    // A bad %-escape, a truncated one: 400, and the command goes on waiting.
    for (const char* target : {"/callback?code=%zz&state=x", "/callback?code=c0de%4&state=x"}) {
      const auto page = testing::plain_get("http://127.0.0.1:" + std::to_string(port) + target);
      EXPECT_EQ(page.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << page;
      EXPECT_NE(page.find("bad %-escape"), std::string::npos) << page;
    }
  });
  EXPECT_NE(out.find("tokens stored (version 1"), std::string::npos) << out;
  EXPECT_EQ(out.find("c0de"), std::string::npos) << out;
}

TEST_F(OAuth, APastedUrlWithABadEscapeFailsNamingItsPosition) {
  const auto cfg = config();
  for (const std::string url : {"http://127.0.0.1:9/callback?code=c0de%zz&state=x",
                                "http://127.0.0.1:9/callback?state=x&code=c0de%4"}) {
    const auto r = testing::run_process({KEAPSYNC_BINARY, "auth", "-c", cfg, "--code-file",
                                         dir.write_secret("code", url + "\n"), "--redirect-uri",
                                         "http://127.0.0.1:9/callback"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("the pasted URL has a bad %-escape at position " +
                         std::to_string(url.find('%') + 1) + " "),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("c0de"), std::string::npos) << r.err;
  }
  EXPECT_EQ(answered("POST /token", 200) + answered("POST /token", 400), 0);
}

}  // namespace
}  // namespace keapsync
