// HealthState: the liveness and readiness rules and their JSON bodies.
#include "engine/health_state.hpp"

#include <boost/json.hpp>

namespace keapsync::engine {

namespace {

double seconds_between(HealthState::TimePoint from, HealthState::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

HealthReport make_report(std::vector<std::string> reasons, boost::json::object body) {
  HealthReport report;
  report.ok = reasons.empty();
  boost::json::array list;
  for (const auto& r : reasons)
    list.emplace_back(r);
  // "status" and "reasons" first so a human reading curl output sees them at once.
  boost::json::object ordered;
  ordered["status"] = report.ok ? "ok" : "fail";
  ordered["reasons"] = std::move(list);
  for (auto& kv : body)
    ordered[kv.key()] = std::move(kv.value());
  report.reasons = std::move(reasons);
  report.body = boost::json::serialize(ordered);
  report.body += '\n';
  return report;
}

}  // namespace

HealthState::HealthState(HealthRules rules, Clock clock)
    : rules_(rules),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {
  last_tick_ = clock_();
}

void HealthState::loop_tick() {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  last_tick_ = now;
}

void HealthState::set_database_reachable(bool reachable) {
  std::lock_guard lock(mutex_);
  database_reachable_ = reachable;
}

void HealthState::set_schema_current(bool current) {
  std::lock_guard lock(mutex_);
  schema_current_ = current;
}

void HealthState::set_listen_connected(bool connected) {
  std::lock_guard lock(mutex_);
  listen_connected_ = connected;
}

void HealthState::claim_succeeded() {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  last_claim_ = now;
}

void HealthState::set_account(const std::string& account, auth::AccountState state,
                              std::string reason) {
  std::lock_guard lock(mutex_);
  accounts_[account] = state;
  if (reason.empty()) {
    account_reasons_.erase(account);
  } else {
    account_reasons_[account] = std::move(reason);
  }
}

void HealthState::set_shutting_down() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
}

bool HealthState::loop_stalled(TimePoint now) const {
  return now - last_tick_ > rules_.loop_stall_after;
}

HealthReport HealthState::liveness() const {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  std::vector<std::string> reasons;
  if (loop_stalled(now)) reasons.emplace_back("loop_stalled");
  boost::json::object body;
  body["loop_age_seconds"] = seconds_between(last_tick_, now);
  return make_report(std::move(reasons), std::move(body));
}

HealthReport HealthState::readiness() const {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  std::vector<std::string> reasons;
  if (loop_stalled(now)) reasons.emplace_back("loop_stalled");
  if (shutting_down_) reasons.emplace_back("shutting_down");
  if (!database_reachable_) reasons.emplace_back("database_unreachable");
  if (!schema_current_) reasons.emplace_back("schema_not_current");
  bool usable = false;
  boost::json::object accounts;
  for (const auto& [name, state] : accounts_) {
    usable = usable || auth::is_usable(state);
    accounts[name] = to_string(state);
  }
  if (accounts_.empty()) {
    reasons.emplace_back("no_accounts");
  } else if (!usable) {
    reasons.emplace_back("no_usable_account");
  }
  boost::json::object body;
  body["database"] = database_reachable_;
  body["schema_current"] = schema_current_;
  body["listen"] = listen_connected_;
  body["shutting_down"] = shutting_down_;
  body["loop_age_seconds"] = seconds_between(last_tick_, now);
  if (last_claim_) {
    body["last_claim_age_seconds"] = seconds_between(*last_claim_, now);
  } else {
    body["last_claim_age_seconds"] = nullptr;
  }
  body["accounts"] = std::move(accounts);
  boost::json::object account_reasons;
  for (const auto& [name, reason] : account_reasons_)
    account_reasons[name] = reason;
  body["account_reasons"] = std::move(account_reasons);
  return make_report(std::move(reasons), std::move(body));
}

}  // namespace keapsync::engine
