// The sandbox's automation goals: those the config defines (SandboxConfig::goals),
// achieving one for a contact (AchieveGoalResponse), and the log of every goal
// achieved, found or not, for GET /_sandbox/goals and the --state file.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox_config.hpp"

namespace keapsync::sandbox {

class GoalStore {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // What a request names: integration + call_name, or automation_id + goal_id.
  struct Key {
    std::optional<std::string> integration, call_name;
    std::optional<std::int64_t> automation_id, goal_id;
  };

  GoalStore() = default;
  explicit GoalStore(const std::vector<SandboxConfig::Goal>& goals);

  // Achieves for the contact every goal `key` names (by name: each automation's
  // goal of that integration and call_name; by ids: the one goal), records each,
  // and answers AchieveGoalResponse: {"results":[GoalEventResultDTO…]}, one
  // {"success":false,…} result (recorded as such) when no goal matches.
  boost::json::object achieve(std::uint64_t contact_id, const Key& key, TimePoint now);

  // {"goals":[{"contact_id","integration","call_name","automation_id","goal_id",
  // "success","at"}…]} in the order achieved; null for what is unknown.
  boost::json::value log() const;
  void clear_log() { log_.clear(); }

  boost::json::value snapshot() const;               // the log only: goals come from config
  void restore(const boost::json::value& snapshot);  // throws on a malformed snapshot

 private:
  struct Goal {
    std::optional<std::string> integration, call_name;
    std::int64_t automation_id, goal_id;
    std::vector<std::int64_t> flow_ids;
  };
  struct Achieved {
    std::uint64_t contact_id;
    Key key;
    bool success;
    TimePoint at;
  };

  std::vector<Goal> goals_;
  std::vector<Achieved> log_;
};

}  // namespace keapsync::sandbox
