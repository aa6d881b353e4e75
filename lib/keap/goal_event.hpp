// GoalEvent: an outbox row with op "goal": an API goal of a Keap automation
// that the contact achieves (POST /rest/v2/automations/goals/achieve), which
// starts what the campaign builder put behind it. An event, not contact state:
// never merged with other rows, sent once, in row order.
#pragma once

#include <cstdint>
#include <string>

namespace keapsync::keap {

struct GoalEvent {
  // Either an API goal by its integration and call name, as the campaign
  // builder shows them, or a goal by automation_id and goal_id.
  std::string integration;
  std::string call_name;
  std::int64_t automation_id = 0;
  std::int64_t goal_id = 0;

  bool by_name() const { return !integration.empty(); }
  // "integration shop, call name purchase" or "automation 12, goal 34", for messages.
  std::string display() const {
    return by_name() ? "integration " + integration + ", call name " + call_name
                     : "automation " + std::to_string(automation_id) + ", goal " +
                           std::to_string(goal_id);
  }
  bool operator==(const GoalEvent&) const = default;
};

}  // namespace keapsync::keap
