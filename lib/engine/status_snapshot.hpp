// StatusSnapshot: what the status page shows, and its JSON (GET /status.json).
//
// The daemon's observer builds one every second from what it already keeps (credentials'
// state, the rate limiters, the dispatcher's counts, the backlog query, RateHistory) and
// publishes it on a StatusBoard; StatusServer serves to_json() of the latest one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/rate_history.hpp"

namespace keapsync::engine {

struct AccountSnapshot {
  std::string name;
  std::string auth;          // "oauth", "api_key", or "not_configured" (named by the outbox)
  std::string state = "ok";  // auth::AccountState as text
  std::string reason;        // why the account is blocked ("" when usable)
  std::optional<double> token_expires_at;  // OAuth: seconds since the epoch
  // From the backlog query (every 15 s).
  std::int64_t backlog_rows = 0;
  double oldest_pending_age_seconds = 0;
  std::int64_t dead_rows = 0;  // dead letters waiting for an operator
  // Since the daemon started.
  std::int64_t delivered = 0;
  std::int64_t requests = 0;
  std::map<std::string, std::int64_t> dead_by_reason;  // reason class -> rows
  // Keap's budget as the rate limiter counts it (0: no such limit).
  std::int64_t requests_per_minute_limit = 0;
  std::int64_t daily_used = 0;
  std::int64_t daily_limit = 0;
  // The last hour, per minute, oldest first (RateHistory::last_hour), and the mean per minute
  // over the last 5 minutes.
  std::vector<MinuteCounts> last_hour;
  MinuteRate rate;
};

struct StatusSnapshot {
  std::string version;
  double now = 0;         // seconds since the epoch
  double started_at = 0;  // the daemon's start, seconds since the epoch
  bool database_reachable = false;
  std::optional<double> backlog_checked_at;  // the last backlog query that succeeded
  double first_minute = 0;                   // when last_hour's first minute began
  std::vector<AccountSnapshot> accounts;     // sorted by name
};

// The /status.json body (documented in docs/operations.md, "Status endpoints"):
//   {"version","now","started_at","database_reachable","backlog_checked_at",
//    "totals":{"delivered","requests","backlog_rows","dead_rows"},
//    "history":{"minute_seconds":60,"first_minute","delivered":[..],"requests":[..]},
//    "accounts":[{"name","auth","state","reason","token_expires_at","backlog_rows",
//                 "oldest_pending_age_seconds","dead_rows","delivered","requests",
//                 "dead_by_reason":{..},"rate_per_minute":{"delivered","requests"},
//                 "budget":{"requests_per_minute_limit","used_last_hour","last_hour_limit",
//                           "used_last_hour_ratio","daily_used","daily_limit"},
//                 "history":{"delivered":[..],"requests":[..]}}]}
// history (the sum over the accounts) and each account's history hold one number per minute,
// oldest first; used_last_hour_ratio is null when there is no per-minute limit.
std::string to_json(const StatusSnapshot& snapshot);

}  // namespace keapsync::engine
