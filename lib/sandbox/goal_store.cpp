// Automation goals from the config, and the log of those achieved.
#include "sandbox/goal_store.hpp"

#include <boost/json.hpp>

#include "db/timestamp.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

template <typename T>
json::value or_null(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

template <typename T>
std::optional<T> optional_of(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>)
    return std::string(v.as_string());
  else
    return v.to_number<T>();
}

}  // namespace

GoalStore::GoalStore(const std::vector<SandboxConfig::Goal>& goals) {
  for (std::size_t i = 0; i < goals.size(); ++i) {
    const auto& g = goals[i];
    const auto [automation_id, goal_id] = goal_ids(goals, i);
    Goal goal{std::nullopt, std::nullopt, automation_id, goal_id, g.flow_ids};
    if (!g.integration.empty() || !g.call_name.empty()) {
      goal.integration = g.integration;
      goal.call_name = g.call_name;
    }
    goals_.push_back(std::move(goal));
  }
}

json::object GoalStore::achieve(std::uint64_t contact_id, const Key& key, TimePoint now) {
  const bool by_name = key.integration.has_value();
  json::array results;
  for (const auto& g : goals_) {
    const bool match = by_name ? g.integration == key.integration && g.call_name == key.call_name
                               : g.automation_id == key.automation_id && g.goal_id == key.goal_id;
    if (!match) continue;
    json::array started;
    for (auto flow : g.flow_ids)
      started.push_back(json::object{
          {"success", true}, {"message", "Flow started successfully"}, {"flow_id", flow}});
    results.push_back(json::object{{"success", true},
                                   {"message", "Goal achieved successfully"},
                                   {"automation_id", g.automation_id},
                                   {"goal_id", g.goal_id},
                                   {"flow_start_results", std::move(started)},
                                   {"flow_stop_results", json::array{}}});
    log_.push_back(
        {contact_id, Key{g.integration, g.call_name, g.automation_id, g.goal_id}, true, now});
  }
  if (results.empty()) {
    auto message = by_name
                       ? "No goal found with integration \"" + *key.integration +
                             "\" and call_name \"" + *key.call_name + "\""
                       : "No goal found with automation_id " + std::to_string(*key.automation_id) +
                             " and goal_id " + std::to_string(*key.goal_id);
    results.push_back(json::object{{"success", false}, {"message", std::move(message)}});
    log_.push_back({contact_id, key, false, now});
  }
  return json::object{{"results", std::move(results)}};
}

json::value GoalStore::log() const {
  json::array out;
  for (const auto& a : log_)
    out.push_back(json::object{{"contact_id", std::to_string(a.contact_id)},
                               {"integration", or_null(a.key.integration)},
                               {"call_name", or_null(a.key.call_name)},
                               {"automation_id", or_null(a.key.automation_id)},
                               {"goal_id", or_null(a.key.goal_id)},
                               {"success", a.success},
                               {"at", db::iso_time(a.at)}});
  return json::object{{"goals", std::move(out)}};
}

json::value GoalStore::snapshot() const {
  json::array out;
  for (const auto& a : log_)
    out.push_back(json::object{
        {"contact_id", a.contact_id},
        {"integration", or_null(a.key.integration)},
        {"call_name", or_null(a.key.call_name)},
        {"automation_id", or_null(a.key.automation_id)},
        {"goal_id", or_null(a.key.goal_id)},
        {"success", a.success},
        {"at_ms",
         std::chrono::duration_cast<std::chrono::milliseconds>(a.at.time_since_epoch()).count()}});
  return json::object{{"achieved", std::move(out)}};
}

void GoalStore::restore(const json::value& snapshot) {
  std::vector<Achieved> log;
  for (const auto& item : snapshot.as_object().at("achieved").as_array()) {
    const auto& o = item.as_object();
    log.push_back({o.at("contact_id").to_number<std::uint64_t>(),
                   Key{optional_of<std::string>(o.at("integration")),
                       optional_of<std::string>(o.at("call_name")),
                       optional_of<std::int64_t>(o.at("automation_id")),
                       optional_of<std::int64_t>(o.at("goal_id"))},
                   o.at("success").as_bool(),
                   TimePoint{std::chrono::milliseconds{o.at("at_ms").to_number<std::int64_t>()}}});
  }
  log_ = std::move(log);
}

}  // namespace keapsync::sandbox
