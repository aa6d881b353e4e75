// The fixture of the daemon tests: `keapsync run` as a process, a real
// PostgreSQL, and `keapsync sandbox` as the Keap peer over verified TLS.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/background_process.hpp"
#include "support/https_get.hpp"
#include "support/migrated_database.hpp"
#include "support/sandbox_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

#include <pqxx/pqxx>

namespace keapsync {

using namespace std::chrono_literals;

inline constexpr const char* kApiKey = "KeapAK-daemon-test-0123456789abcdef";

// Polls `done` every 10 ms (the database and the sandbox send no events) for
// at most `timeout`; its last answer.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class Daemon : public ::testing::Test {
 protected:
  testing::TempDir dir;
  testing::MigratedDatabase db;
  testing::SandboxProcess sandbox{
      {KEAPSYNC_BINARY, std::string("api_keys: [") + kApiKey + "]\n", {}, "", 20000ms}};
  std::string log_file = dir.path() + "/daemon.log";
  // The database.url of config(); empty: the test database as its owner.
  std::string database_url;

  // Writes the daemon's config (always the same file); `extra` goes under worker:.
  std::string config(const std::string& extra = "", const std::string& level = "debug",
                     const testing::SandboxProcess* keap = nullptr) {
    if (keap == nullptr) keap = &sandbox;
    const auto key = dir.write_secret("api-key", std::string(kApiKey) + "\n");
    return dir.write(
        "keapsync.yaml",
        "database:\n  url: \"" + (database_url.empty() ? db.url() : database_url) +
            "\"\n"
            "log:\n  level: " +
            level +
            "\nlisten: 127.0.0.1:0\n"
            "keap:\n"
            "  api_url: " +
            keap->base_url() + "/crm\n" + "  token_url: " + keap->base_url() + "/token\n" +
            "  authorize_url: " + keap->base_url() + "/app/oauth/authorize\n" +
            "  ca_file: " + keap->ca_file() + "\n" +
            "worker:\n  poll_interval: 200ms\n  retry_initial: 100ms\n"
            "  retry_max: 200ms\n" +
            extra + "accounts:\n  default:\n    auth: api_key\n    api_key_file: " + key + "\n");
  }

  // A Keap that lets several daemons (each keeping to an API key's limits)
  // share the key without a 429: for tests where throttling is not the point.
  static testing::SandboxProcess::Options roomy_sandbox(const std::string& extra = "") {
    return {KEAPSYNC_BINARY,
            std::string("api_keys: [") + kApiKey +
                "]\nrate_limits:\n"
                "  key_spike: {limit: 1000, window_seconds: 1}\n"
                "  key_throttle: {limit: 10000, window_seconds: 60}\n" +
                extra,
            {},
            "",
            20000ms};
  }

  testing::BackgroundProcess start(const std::string& config_file) {
    return testing::BackgroundProcess({KEAPSYNC_BINARY, "run", "-c", config_file}, log_file);
  }

  boost::json::array sandbox_contacts() { return sandbox_contacts(sandbox); }
  static boost::json::array sandbox_contacts(const testing::SandboxProcess& keap) {
    const auto r =
        testing::https_request("GET", keap.base_url() + "/_sandbox/contacts", keap.ca_file());
    return boost::json::parse(r.body).as_object().at("contacts").as_array();
  }

  // GET `path` from the daemon's status listener until the answer holds
  // `awaited` (the observer refreshes health and metrics every second) or
  // 10 s pass; the last answer.
  std::string status_page(const std::string& path, const std::string& awaited) {
    const auto log = testing::read_file(log_file);
    const auto at = log.find("\"status_port\":");
    if (at == std::string::npos) return "no status_port in the log:\n" + log;
    const auto url = "http://127.0.0.1:" + std::to_string(std::stoi(log.substr(at + 14))) + path;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string page = testing::plain_get(url);
    while (page.find(awaited) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      page = testing::plain_get(url);
    }
    return page;
  }

  // Waits until the daemon's log holds `text` at least `times` times, at most 20 s.
  bool logged(const std::string& text, int times = 1) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      const auto log = testing::read_file(log_file);
      int seen = 0;
      for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
        ++seen;
      if (seen >= times) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
  }

  // The sandbox's request counts: routes -> status -> count (0 when never seen).
  static std::int64_t requests(const testing::SandboxProcess& keap, const std::string& route,
                               const std::string& status) {
    const auto stats = boost::json::parse(
        testing::https_request("GET", keap.base_url() + "/_sandbox/stats", keap.ca_file()).body);
    const auto* r = stats.at("routes").as_object().if_contains(route);
    if (r == nullptr) return 0;
    const auto* n = r->as_object().if_contains(status);
    return n == nullptr ? 0 : n->as_int64();
  }

  // As in a PostgreSQL restart: false ends every session of the test database
  // and refuses new ones, true lets them in again.
  void accept_connections(bool allowed) {
    pqxx::connection admin(testing::TestDatabase::admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec("ALTER DATABASE " + tx.quote_name(db.name()) + " ALLOW_CONNECTIONS " +
            (allowed ? "true" : "false"));
    if (!allowed)
      tx.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                     db.name());
  }

  static std::string email_of(const boost::json::value& contact) {
    for (const auto& e : contact.at("email_addresses").as_array()) {
      if (e.at("field").as_string() == "EMAIL1") return std::string(e.at("email").as_string());
    }
    return "";
  }
};

}  // namespace keapsync
