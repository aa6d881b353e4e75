// The status page through the whole daemon: /status.json holds what the
// daemon delivered, sent and dead-lettered, and the page and its assets are
// served from the daemon itself under a policy that forbids any other origin.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <sstream>

#include "daemon_fixture.hpp"
#include "support/run_process.hpp"

namespace keapsync {
namespace {

TEST_F(Daemon, TheStatusPageShowsWhatTheDaemonDid) {
  auto daemon = start(config());
  db.insert("a", R"({"email":"a@example.com","tags_add":["VIP"]})");
  db.insert("b", R"({"email":"b@example.com"})");
  db.insert("c", R"({"emali":"c@example.com"})");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);

  const auto raw = status_page("/status.json", "\"delivered\":2");
  const auto body = raw.substr(raw.find("\r\n\r\n") + 4);
  const auto status = boost::json::parse(body).as_object();
  EXPECT_EQ(status.at("totals").at("delivered").as_int64(), 2) << body;
  EXPECT_TRUE(status.at("database_reachable").as_bool());
  const auto& accounts = status.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 1u) << body;
  const auto& account = accounts[0].as_object();
  EXPECT_EQ(account.at("name").as_string(), "default");
  EXPECT_EQ(account.at("auth").as_string(), "api_key");
  EXPECT_EQ(account.at("state").as_string(), "ok");
  EXPECT_EQ(account.at("dead_by_reason").at("payload").as_int64(), 1) << body;
  // Every request Keap saw.
  std::int64_t seen = 0;
  const auto stats = boost::json::parse(
      testing::https_request("GET", sandbox.base_url() + "/_sandbox/stats", sandbox.ca_file())
          .body);
  for (const auto& [route, by_status] : stats.at("routes").as_object())
    for (const auto& [code, n] : by_status.as_object())
      seen += n.as_int64();
  ASSERT_GE(seen, 5);
  EXPECT_EQ(account.at("requests").as_int64(), seen) << body;
  EXPECT_EQ(account.at("budget").at("requests_per_minute_limit").as_int64(), 240) << body;
  std::int64_t delivered = 0;
  std::int64_t requests = 0;
  const auto& history = account.at("history").as_object();
  ASSERT_EQ(history.at("delivered").as_array().size(), 60u);
  for (const auto& n : history.at("delivered").as_array())
    delivered += n.as_int64();
  for (const auto& n : history.at("requests").as_array())
    requests += n.as_int64();
  EXPECT_EQ(delivered, 2);
  EXPECT_EQ(requests, seen);

  const auto page = status_page("/", "</html>");
  EXPECT_NE(page.find("<title>keapsync status</title>"), std::string::npos) << page;
  EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'"), std::string::npos) << page;
  const auto script = status_page("/status.js", "refresh");
  EXPECT_NE(script.find("Content-Type: text/javascript"), std::string::npos) << script;
  EXPECT_NE(status_page("/status.css", "body").find("200 OK"), std::string::npos);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, TheBacklogGaugesGoToZeroOnceAnAccountsRowsAreAllGone) {
  db.insert("a", R"({"email":"a@example.com"})");
  db.insert("b", R"({"email":"b@example.com"})");
  auto daemon = start(config());
  ASSERT_TRUE(logged("\"status_port\"")) << testing::read_file(log_file);
  // Counted at start (2 pending), delivered at once, counted again 15 s later.
  ASSERT_NE(status_page("/metrics", "keapsync_backlog_rows{account=\"default\"} 2")
                .find("keapsync_backlog_rows{account=\"default\"} 2"),
            std::string::npos);
  ASSERT_TRUE(db.drained(20s));
  std::string metrics;
  EXPECT_TRUE(eventually(
      [&] {
        metrics = status_page("/metrics", "");
        return metrics.find("keapsync_backlog_rows{account=\"default\"} 0") != std::string::npos;
      },
      25s))
      << metrics;
  EXPECT_NE(metrics.find("keapsync_oldest_pending_age_seconds{account=\"default\"} 0"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

// A port nothing listens on now (the daemon binds it a moment later).
int free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST_F(Daemon, StatusWatchFollowsARunningDaemonUntilDrained) {
  const auto cfg = config();
  // Nothing pending and no daemon: one line that says so, then done.
  auto idle = testing::run_process({KEAPSYNC_BINARY, "status", "-c", cfg, "--until-drained"});
  EXPECT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_EQ(idle.out, "pending 0 | daemon not answering on 127.0.0.1:0 | dead 0\n");

  std::stringstream text;
  text << std::ifstream(cfg).rdbuf();
  std::string yaml = text.str();
  const auto port = std::to_string(free_port());
  yaml.replace(yaml.find("listen: 127.0.0.1:0"), 19, "listen: 127.0.0.1:" + port);
  std::ofstream(cfg) << yaml;
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":200})");
  for (int i = 0; i < 12; ++i)
    db.insert("w" + std::to_string(i), R"({"email":"w)" + std::to_string(i) + R"(@example.com"})");
  db.insert("bad", R"({"emali":"x@example.com"})");
  auto daemon = start(cfg);
  ASSERT_TRUE(logged("\"status_port\":" + port)) << testing::read_file(log_file);
  auto watch = testing::run_process({KEAPSYNC_BINARY, "status", "-c", cfg, "--until-drained"});
  EXPECT_EQ(watch.exit_code, 0) << watch.err;
  // One line a second while rows are pending (12 rows at 4 requests/s), the last when none is.
  EXPECT_NE(watch.out.find(" rows/s | Keap "), std::string::npos) << watch.out;
  EXPECT_NE(watch.out.find(" req/s of 4.0 ("), std::string::npos) << watch.out;
  const auto last = watch.out.substr(watch.out.rfind('\n', watch.out.size() - 2) + 1);
  EXPECT_EQ(last.rfind("pending 0 | delivered 12 | ", 0), 0u) << watch.out;
  EXPECT_NE(last.find(" | dead 1\n"), std::string::npos) << watch.out;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace keapsync
