// HealthState: what the daemon reports about itself for /healthz and /readyz; thread-safe.
//
// The daemon updates it; StatusServer reads it. Rules (also in docs/operations.md):
//
// /healthz (liveness: "restart me if this fails"): ok unless the dispatcher loop has not called
//   loop_tick() for longer than HealthRules::loop_stall_after (reason "loop_stalled"). The
//   construction counts as the first tick. The daemon ticks at every turn of its claim loop
//   (NOTIFY, poll timer, completion), so loop_stall_after must exceed worker.poll_interval by a
//   margin: the daemon should use max(60 s, 3 * poll_interval). Nothing else fails liveness: a lost
//   database or a dead token is not cured by a restart.
//
// /readyz (readiness: "this instance delivers rows"): ok when all of these hold, otherwise 503
//   with every failing reason code:
//   - "loop_stalled":        liveness fails;
//   - "shutting_down":       set_shutting_down() was called (SIGTERM, draining);
//   - "database_unreachable": the last database operation failed, or none succeeded yet;
//   - "schema_not_current":  the schema is not at the version this binary expects, or unchecked;
//   - "no_accounts":         no account is configured;
//   - "no_usable_account":   no account is usable (every one is reauthorization_required or
//                            credentials_rejected; throttled counts as usable, it heals by itself).
//   The LISTEN connection and the last successful claim are reported but do not fail readiness:
//   without LISTEN the poll timer still delivers, only slower; an idle outbox claims nothing.
//   One broken account among usable ones does not fail readiness either: alert on the metric
//   keapsync_account_state instead.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/account_state.hpp"
#include "engine/health_report.hpp"

namespace keapsync::engine {

struct HealthRules {
  std::chrono::milliseconds loop_stall_after = std::chrono::seconds(60);
};

class HealthState {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Returns "now"; production: steady_clock::now, tests: a manual clock.
  using Clock = std::function<TimePoint()>;

  explicit HealthState(HealthRules rules = {}, Clock clock = nullptr);
  HealthState(const HealthState&) = delete;
  HealthState& operator=(const HealthState&) = delete;

  // The dispatcher loop made a turn.
  void loop_tick();
  // Result of the last database operation (claim, ack, status query, reconnect).
  void set_database_reachable(bool reachable);
  // Whether the schema is at the version this binary expects (checked at start).
  void set_schema_current(bool current);
  // Whether the LISTEN connection is up (informational).
  void set_listen_connected(bool connected);
  // A claim query succeeded (even when it returned no work; informational).
  void claim_succeeded();
  // Adds or updates an account.
  // `reason`: why the account is not usable (what the operator must do), shown
  // in /readyz under account_reasons; "" when there is nothing to say.
  void set_account(const std::string& account, auth::AccountState state, std::string reason = "");
  // The daemon is draining: readiness fails from now on.
  void set_shutting_down();

  // /healthz: {"status":"ok"|"fail","reasons":[...],"loop_age_seconds":1.5}
  HealthReport liveness() const;
  // /readyz: {"status":"ok"|"fail","reasons":[...],"database":true,"schema_current":true,
  //           "listen":true,"shutting_down":false,"loop_age_seconds":1.5,
  //           "last_claim_age_seconds":2.0|null,"accounts":{"shop":"ok"}}
  HealthReport readiness() const;

 private:
  bool loop_stalled(TimePoint now) const;

  HealthRules rules_;
  Clock clock_;
  mutable std::mutex mutex_;
  TimePoint last_tick_;
  std::optional<TimePoint> last_claim_;
  bool database_reachable_ = false;
  bool schema_current_ = false;
  bool listen_connected_ = false;
  bool shutting_down_ = false;
  std::map<std::string, auth::AccountState> accounts_;
  std::map<std::string, std::string> account_reasons_;
};

}  // namespace keapsync::engine
