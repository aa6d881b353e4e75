// The goal request of Keap v2 (swagger.yml: achieveGoal) and what its answer says.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "keap/goal_event.hpp"
#include "keap/keap_request.hpp"

namespace keapsync::keap {

// POST /rest/v2/automations/goals/achieve {"integration","call_name","contact_id"} or
// {"automation_id","goal_id","contact_id"} (200, AchieveGoalResponse). Throws
// std::invalid_argument for a contact id that is not a positive decimal number.
KeapRequest achieve_goal_request(const GoalEvent& goal, std::string_view contact_id);

// Why Keap did not achieve the goal, from a 200 answer (Keap answers 200 with
// {"results":[{"success":false,"message":...}]} for a goal that does not exist);
// nullopt when any result says success: one name can stand for goals in several
// automations, and a goal that started one of them has fired (never send it again).
std::optional<std::string> goal_refusal(const boost::json::value& answer);

}  // namespace keapsync::keap
