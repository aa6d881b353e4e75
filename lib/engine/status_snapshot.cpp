// StatusSnapshot: the /status.json body.
#include "engine/status_snapshot.hpp"

#include <boost/json.hpp>

namespace keapsync::engine {

namespace {

boost::json::value optional_number(const std::optional<double>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

// {"delivered":[..],"requests":[..]} of `minutes`.
boost::json::object series(const std::vector<MinuteCounts>& minutes) {
  boost::json::array delivered;
  boost::json::array requests;
  for (const auto& m : minutes) {
    delivered.emplace_back(m.delivered);
    requests.emplace_back(m.requests);
  }
  return {{"delivered", std::move(delivered)}, {"requests", std::move(requests)}};
}

boost::json::object budget(const AccountSnapshot& a) {
  std::int64_t used = 0;
  for (const auto& m : a.last_hour)
    used += m.requests;
  const std::int64_t hour_limit =
      a.requests_per_minute_limit * static_cast<std::int64_t>(a.last_hour.size());
  return {{"requests_per_minute_limit", a.requests_per_minute_limit},
          {"used_last_hour", used},
          {"last_hour_limit", hour_limit},
          {"used_last_hour_ratio", hour_limit > 0
                                       ? boost::json::value(static_cast<double>(used) / hour_limit)
                                       : boost::json::value(nullptr)},
          {"daily_used", a.daily_used},
          {"daily_limit", a.daily_limit}};
}

boost::json::object account_json(const AccountSnapshot& a) {
  boost::json::object dead;
  for (const auto& [reason, n] : a.dead_by_reason)
    dead[reason] = n;
  boost::json::object o;
  o["name"] = a.name;
  o["auth"] = a.auth;
  o["state"] = a.state;
  o["reason"] = a.reason;
  o["token_expires_at"] = optional_number(a.token_expires_at);
  o["backlog_rows"] = a.backlog_rows;
  o["oldest_pending_age_seconds"] = a.oldest_pending_age_seconds;
  o["dead_rows"] = a.dead_rows;
  o["delivered"] = a.delivered;
  o["requests"] = a.requests;
  o["dead_by_reason"] = std::move(dead);
  o["rate_per_minute"] = {{"delivered", a.rate.delivered}, {"requests", a.rate.requests}};
  o["budget"] = budget(a);
  o["history"] = series(a.last_hour);
  return o;
}

}  // namespace

std::string to_json(const StatusSnapshot& s) {
  boost::json::array accounts;
  std::int64_t delivered = 0;
  std::int64_t requests = 0;
  std::int64_t backlog = 0;
  std::int64_t dead = 0;
  std::vector<MinuteCounts> history;
  for (const auto& a : s.accounts) {
    accounts.push_back(account_json(a));
    delivered += a.delivered;
    requests += a.requests;
    backlog += a.backlog_rows;
    dead += a.dead_rows;
    if (history.size() < a.last_hour.size()) history.resize(a.last_hour.size());
    for (std::size_t i = 0; i < a.last_hour.size(); ++i) {
      history[i].delivered += a.last_hour[i].delivered;
      history[i].requests += a.last_hour[i].requests;
    }
  }
  boost::json::object total_history = series(history);
  total_history.emplace("minute_seconds", 60);
  total_history.emplace("first_minute", s.first_minute);
  boost::json::object o;
  o["version"] = s.version;
  o["now"] = s.now;
  o["started_at"] = s.started_at;
  o["database_reachable"] = s.database_reachable;
  o["backlog_checked_at"] = optional_number(s.backlog_checked_at);
  o["totals"] = {{"delivered", delivered},
                 {"requests", requests},
                 {"backlog_rows", backlog},
                 {"dead_rows", dead}};
  o["history"] = std::move(total_history);
  o["accounts"] = std::move(accounts);
  return boost::json::serialize(o) + "\n";
}

}  // namespace keapsync::engine
