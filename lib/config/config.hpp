// The validated configuration of keapsync: plain structs, defaults written
// where each field is declared. config/example.yaml documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/duration.hpp"

namespace keapsync::config {

struct DatabaseConfig {
  // libpq connection string or URI; passwords belong in a .pgpass file.
  std::string url;
  // The same for `keapsync migrate`, as the schema's owner; empty: url.
  std::string migrate_url;

  bool operator==(const DatabaseConfig&) const = default;
};

enum class LogFormat { json, text };
enum class LogLevel { trace, debug, info, warn, error };

struct LogConfig {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::json;

  bool operator==(const LogConfig&) const = default;
};

struct WorkerConfig {
  int concurrency = 64;                              // contacts in flight at once, all accounts
  Duration poll_interval = std::chrono::seconds(5);  // safety net for lost NOTIFYs
  int max_attempts = 15;                             // then the row goes dead
  Duration shutdown_timeout = std::chrono::seconds(30);
  Duration lease_duration = std::chrono::seconds(30);  // a claimed contact's lease
  int batch_size = 50;                                 // contacts per claim
  int max_rows_per_contact = 100;                      // rows coalesced into one call
  Duration retry_initial = std::chrono::seconds(10);   // first backoff cap
  Duration retry_max = std::chrono::hours(1);          // backoff ceiling

  bool operator==(const WorkerConfig&) const = default;
};

struct KeapConfig {
  std::string api_url = "https://api.infusionsoft.com/crm";
  std::string token_url = "https://api.infusionsoft.com/token";
  std::string authorize_url = "https://accounts.infusionsoft.com/app/oauth/authorize";
  std::string ca_file;  // empty: the system trust store
  // OAuth: refresh when this fraction of the access token's expires_in has passed.
  double token_refresh_fraction = 0.75;

  bool operator==(const KeapConfig&) const = default;
};

enum class AuthKind { oauth, api_key };

// The rate limiter keeps one time point per request of a rolling minute
// (keap::SlidingWindow::kMaxLimit): a higher limit could not be honoured.
inline constexpr int kMaxRequestsPerMinute = 100000;

struct AccountConfig {
  AuthKind auth = AuthKind::oauth;
  std::string client_id;            // oauth
  std::string client_secret_file;   // oauth
  std::string api_key_file;         // api_key
  bool create_missing_tags = true;  // tags_add naming a tag Keap lacks creates it
  // Contacts of this account in flight at once; 0: enough to use its request
  // limits when Keap takes 1 s a call.
  int concurrency = 0;
  // Keap's limits for this credential; 0: as Keap documents them for the auth
  // kind (1,500/min, 25/s, 150,000/day OAuth; 240/min, 10/s, 30,000/day keys).
  int requests_per_minute = 0;  // at most kMaxRequestsPerMinute
  int requests_per_second = 0;
  int requests_per_day = 0;

  bool operator==(const AccountConfig&) const = default;
};

struct Config {
  DatabaseConfig database;
  LogConfig log;
  WorkerConfig worker;
  KeapConfig keap;
  std::string listen = "127.0.0.1:9464";  // status page, /healthz, /readyz, /metrics
  // The status endpoints have no authentication: a non-loopback `listen` must be asked for.
  bool listen_allow_remote = false;
  // OAuth tokens are sealed unless the configuration says `token_encryption: none`.
  bool token_encryption = true;
  std::string token_encryption_key_file;  // required with OAuth accounts unless !token_encryption
  // Keys that sealed tokens before the current one (kept until `keapsync auth
  // --rotate-key` has re-sealed every row).
  std::vector<std::string> token_encryption_previous_key_files;
  std::map<std::string, AccountConfig> accounts;

  bool operator==(const Config&) const = default;
};

const char* to_string(LogLevel level);
const char* to_string(LogFormat format);
const char* to_string(AuthKind kind);

}  // namespace keapsync::config
