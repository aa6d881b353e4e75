// parse_goal: validates the payload of an outbox row with op "goal" (docs/payload.md, "Goals").
#pragma once

#include <boost/json/value.hpp>

#include <variant>
#include <vector>

#include "keap/goal_event.hpp"
#include "keap/payload_error.hpp"

namespace keapsync::keap {

using ParsedGoal = std::variant<GoalEvent, std::vector<PayloadError>>;

// {"integration": "shop", "call_name": "purchase"} or {"automation_id": 12, "goal_id": 34}.
ParsedGoal parse_goal(const boost::json::value& payload);

}  // namespace keapsync::keap
