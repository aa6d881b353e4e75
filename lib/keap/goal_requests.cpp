// Keap v2 goal request (goal_requests.hpp).
#include "keap/goal_requests.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <stdexcept>

namespace keapsync::keap {

KeapRequest achieve_goal_request(const GoalEvent& goal, std::string_view contact_id) {
  std::int64_t id = 0;
  const auto [end, ec] =
      std::from_chars(contact_id.data(), contact_id.data() + contact_id.size(), id);
  if (ec != std::errc{} || end != contact_id.data() + contact_id.size() || id <= 0)
    throw std::invalid_argument("Keap contact id must be a positive decimal number");
  boost::json::object body;
  if (goal.by_name()) {
    body["integration"] = goal.integration;
    body["call_name"] = goal.call_name;
  } else {
    body["automation_id"] = goal.automation_id;
    body["goal_id"] = goal.goal_id;
  }
  body["contact_id"] = id;
  return KeapRequest{"POST", "/rest/v2/automations/goals/achieve", std::move(body), {}};
}

std::optional<std::string> goal_refusal(const boost::json::value& answer) {
  const auto* o = answer.if_object();
  const auto* results = o ? o->if_contains("results") : nullptr;
  if (!results || !results->is_array() || results->get_array().empty())
    return "Keap's answer holds no result for the goal";
  std::optional<std::string> refusal;
  for (const auto& r : results->get_array()) {
    const auto* result = r.if_object();
    const auto* success = result ? result->if_contains("success") : nullptr;
    if (success && success->is_bool() && success->get_bool()) return std::nullopt;
    const auto* message = result ? result->if_contains("message") : nullptr;
    if (!refusal) {
      refusal = message && message->is_string()
                    ? std::string(message->get_string())
                    : std::string("Keap said the goal was not achieved");
    }
  }
  return refusal;
}

}  // namespace keapsync::keap
