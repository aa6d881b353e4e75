// Metrics: every metric keapsync exports, declared in one place with its name, labels and help.
//
// Usage: one Metrics object per process, shared by reference (thread-safe), e.g.
//   metrics.rows_delivered.inc({account}, n);
//   metrics.keap_requests.inc({account, "PATCH", "/rest/v2/contacts/{id}", "200"});
//   metrics.keap_request_duration.observe({account, "/rest/v2/contacts/{id}"}, seconds);
//   metrics.set_account_state(account, auth::AccountState::throttled);
// Labels must stay low-cardinality: a route is the templated path, never one with an id in it;
// status is the HTTP status ("200", "429") or "transport_error" when no response arrived.
// The daemon serves registry.render() on /metrics (StatusServer does it).
#pragma once

#include <string>
#include <string_view>

#include "auth/account_state.hpp"
#include "db/account_status.hpp"
#include "db/timestamp.hpp"
#include "engine/metric_registry.hpp"

namespace keapsync::engine {

struct Metrics {
  // Declares every family; sets keapsync_up to 1, build_info{version} to 1 and the start time
  // (seconds since the epoch).
  explicit Metrics(std::string_view version, double start_time_seconds);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  MetricRegistry registry;  // first: the references below point into it

  Gauge& up;                         // keapsync_up
  Gauge& build_info;                 // keapsync_build_info{version}
  Gauge& start_time;                 // keapsync_start_time_seconds
  Gauge& database_reachable;         // keapsync_database_reachable (0/1)
  Counter& rows_delivered;           // keapsync_rows_delivered_total{account}
  Counter& rows_dead;                // keapsync_rows_dead_total{account,reason_class}
  Counter& rows_retried;             // keapsync_rows_retried_total{account,error_class}
  Counter& keap_requests;            // keapsync_keap_requests_total{account,method,route,status}
  Histogram& keap_request_duration;  // keapsync_keap_request_duration_seconds{account,route}
  Counter& token_refreshes;          // keapsync_token_refreshes_total{account,result}
  Gauge& backlog_rows;               // keapsync_backlog_rows{account}
  Gauge& oldest_pending_age;         // keapsync_oldest_pending_age_seconds{account}
  Gauge& dead_rows;                  // keapsync_dead_rows{account}
  Gauge& token_expiry;               // keapsync_token_expiry_timestamp_seconds{account}
  Gauge& token_last_refresh;         // keapsync_token_last_refresh_timestamp_seconds{account}
  Gauge& token_next_refresh;         // keapsync_token_next_refresh_timestamp_seconds{account}
  Gauge& token_unsaved;              // keapsync_token_unsaved{account} (0/1)
  Gauge& account_state;              // keapsync_account_state{account,state}
  Gauge& rate_limit_remaining;       // keapsync_rate_limit_remaining{account,window}

  // Sets keapsync_account_state{account,state} to 1 for `state` and 0 for every other state,
  // so an alert can match `keapsync_account_state{state="reauthorization_required"} == 1`.
  void set_account_state(const std::string& account, auth::AccountState state);

  // Sets backlog_rows, oldest_pending_age (0 when nothing is pending; never negative) and
  // dead_rows of status.account from a status query made at `now`.
  void record_backlog(const db::AccountStatus& status, db::Timestamp now);

  // Counts one Keap request and, when a response arrived, its duration. `status`: "200", ...,
  // or "transport_error" (then the duration is not observed: it measures a failure, not Keap).
  void record_keap_request(const std::string& account, const std::string& method,
                           const std::string& route, const std::string& status, double seconds);

  // The /metrics body (text exposition format 0.0.4).
  std::string render() const { return registry.render(); }
};

}  // namespace keapsync::engine
