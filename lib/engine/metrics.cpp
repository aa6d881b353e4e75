// Metrics: the declarations of keapsync's metric families (names, labels, help).
#include "engine/metrics.hpp"

namespace keapsync::engine {

Metrics::Metrics(std::string_view version, double start_time_seconds)
    : up(registry.gauge("keapsync_up", "1 while the keapsync daemon runs.")),
      build_info(registry.gauge("keapsync_build_info", "Always 1; the version label says which.",
                                {"version"})),
      start_time(registry.gauge("keapsync_start_time_seconds",
                                "When the daemon started, in seconds since the Unix epoch.")),
      database_reachable(registry.gauge(
          "keapsync_database_reachable",
          "1 when the last PostgreSQL operation succeeded, 0 while the database is unreachable.")),
      rows_delivered(registry.counter("keapsync_rows_delivered_total",
                                      "Outbox rows applied to Keap and removed from the outbox.",
                                      {"account"})),
      rows_dead(registry.counter(
          "keapsync_rows_dead_total",
          "Outbox rows moved to the dead letters, by the class of the final error.",
          {"account", "reason_class"})),
      rows_retried(registry.counter(
          "keapsync_rows_retried_total",
          "Outbox rows scheduled for another attempt, by error class (transient, throttled, "
          "auth).",
          {"account", "error_class"})),
      keap_requests(
          registry.counter("keapsync_keap_requests_total",
                           "HTTP requests sent to Keap, by method, route template and status "
                           "(transport_error when no response arrived).",
                           {"account", "method", "route", "status"})),
      keap_request_duration(registry.histogram(
          "keapsync_keap_request_duration_seconds",
          "Time from sending a Keap request to its complete response, by route template.",
          {"account", "route"}, Histogram::latency_buckets())),
      token_refreshes(registry.counter("keapsync_token_refreshes_total",
                                       "OAuth token refresh attempts, by result.",
                                       {"account", "result"})),
      backlog_rows(registry.gauge(
          "keapsync_backlog_rows",
          "Outbox rows waiting for delivery (pending, leased or backing off).", {"account"})),
      oldest_pending_age(registry.gauge(
          "keapsync_oldest_pending_age_seconds",
          "Age of the oldest undelivered outbox row; 0 when the backlog is empty.", {"account"})),
      dead_rows(registry.gauge("keapsync_dead_rows",
                               "Dead-letter rows waiting for an operator (keapsync dead list).",
                               {"account"})),
      token_expiry(registry.gauge(
          "keapsync_token_expiry_timestamp_seconds",
          "When the current OAuth access token expires, in seconds since the Unix epoch.",
          {"account"})),
      token_last_refresh(registry.gauge(
          "keapsync_token_last_refresh_timestamp_seconds",
          "When this process last got a new OAuth pair (its own refresh or a sibling's), in "
          "seconds since the Unix epoch.",
          {"account"})),
      token_next_refresh(registry.gauge(
          "keapsync_token_next_refresh_timestamp_seconds",
          "When the next OAuth refresh is planned or retried, in seconds since the Unix epoch.",
          {"account"})),
      token_unsaved(registry.gauge(
          "keapsync_token_unsaved",
          "1 while a rotated OAuth pair is held in memory because the database did not take it.",
          {"account"})),
      account_state(
          registry.gauge("keapsync_account_state",
                         "1 for the account's current state (ok, reauthorization_required, "
                         "credentials_rejected, throttled), 0 for the others.",
                         {"account", "state"})),
      rate_limit_remaining(
          registry.gauge("keapsync_rate_limit_remaining",
                         "Requests left in a Keap rate window as keapsync counts them, corrected "
                         "from Keap's headers (window: product_quota_day, "
                         "product_throttle_minute, tenant_throttle_minute).",
                         {"account", "window"})) {
  up.set({}, 1);
  build_info.set({std::string(version)}, 1);
  start_time.set({}, start_time_seconds);
}

void Metrics::set_account_state(const std::string& account, auth::AccountState state) {
  for (auth::AccountState s : auth::kAccountStates) {
    account_state.set({account, std::string(to_string(s))}, s == state ? 1 : 0);
  }
}

void Metrics::record_backlog(const db::AccountStatus& status, db::Timestamp now) {
  double age = 0;
  if (status.oldest_pending && *status.oldest_pending < now) {
    age = std::chrono::duration<double>(now - *status.oldest_pending).count();
  }
  backlog_rows.set({status.account}, static_cast<double>(status.pending_rows));
  oldest_pending_age.set({status.account}, age);
  dead_rows.set({status.account}, static_cast<double>(status.dead_rows));
}

void Metrics::record_keap_request(const std::string& account, const std::string& method,
                                  const std::string& route, const std::string& status,
                                  double seconds) {
  keap_requests.inc({account, method, route, status});
  if (status != "transport_error") keap_request_duration.observe({account, route}, seconds);
}

}  // namespace keapsync::engine
