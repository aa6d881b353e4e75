// POST /rest/v2/automations/goals/achieve (operationId achieveGoal): validates
// an AchieveGoalRequest as strictly as the rest of the sandbox and achieves the
// goal it names through the GoalStore.
#pragma once

#include <chrono>

#include "sandbox/contact_store.hpp"
#include "sandbox/goal_store.hpp"
#include "sandbox/request.hpp"
#include "sandbox/response.hpp"

namespace keapsync::sandbox {

// 200 AchieveGoalResponse (success false for a goal the config does not define);
// 415 / 400 for a body that is not a valid AchieveGoalRequest, the message naming
// the field; 404 for a contact the sandbox does not hold.
Response achieve_goal(const Request& req, const ContactStore& contacts, GoalStore& goals,
                      std::chrono::system_clock::time_point now);

}  // namespace keapsync::sandbox
