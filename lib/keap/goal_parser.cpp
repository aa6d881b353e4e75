// Goal payload validation (goal_parser.hpp); every error names its path.
#include "keap/goal_parser.hpp"

#include <boost/json.hpp>

#include <array>
#include <string>

#include "keap/payload_words.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 4> kGoalKeys{"integration", "call_name", "automation_id",
                                                    "goal_id"};
// Keap documents no limit; a name longer than this is a mistake in the row.
constexpr std::size_t kMaxName = 255;

}  // namespace

ParsedGoal parse_goal(const json::value& payload) {
  std::vector<PayloadError> errors;
  if (!payload.is_object()) {
    errors.push_back({"payload",
                      "a goal takes an object, e.g. {\"integration\": \"shop\", \"call_name\": "
                      "\"purchase\"} (got " +
                          kind_name(payload) + ")"});
    return errors;
  }
  GoalEvent goal;
  bool has_name = false, has_id = false;
  for (const auto& [key, value] : payload.get_object()) {
    const std::string path = "payload." + shown_key(key);
    if (key == "integration" || key == "call_name") {
      has_name = true;
      if (!value.is_string()) {
        errors.push_back({path, "expected a string, got " + kind_name(value)});
        continue;
      }
      const std::string_view s = value.get_string();
      const bool blank = s.find_first_not_of(" \t") == std::string_view::npos;
      bool control = false;
      for (const char c : s)
        control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      if (blank) {
        errors.push_back({path, "must not be empty"});
      } else if (char_count(s) > kMaxName) {
        errors.push_back({path, "too long: " + std::to_string(char_count(s)) +
                                    " characters (at most " + std::to_string(kMaxName) + ")"});
      } else if (control) {
        errors.push_back({path, "must not contain control characters"});
      } else {
        (key == "integration" ? goal.integration : goal.call_name) = std::string(s);
      }
    } else if (key == "automation_id" || key == "goal_id") {
      has_id = true;
      const bool positive =
          (value.is_int64() && value.get_int64() > 0) ||
          (value.is_uint64() && value.get_uint64() <= INT64_MAX && value.get_uint64() > 0);
      if (!positive) {
        errors.push_back(
            {path, "expected a positive integer, got " +
                       (value.is_string() ? quoted(value.get_string()) : kind_name(value))});
      } else {
        (key == "automation_id" ? goal.automation_id : goal.goal_id) =
            value.to_number<std::int64_t>();
      }
    } else {
      errors.push_back({path, "unknown key " + key_hint(key, kGoalKeys)});
    }
  }
  const auto& o = payload.get_object();
  if (has_name && has_id) {
    errors.push_back({"payload",
                      "a goal is either integration + call_name or automation_id + goal_id, "
                      "not both"});
  } else if (has_name) {
    if (!o.contains("integration"))
      errors.push_back({"payload.integration", "missing (call_name needs it)"});
    if (!o.contains("call_name"))
      errors.push_back({"payload.call_name", "missing (integration needs it)"});
  } else if (has_id) {
    if (!o.contains("automation_id"))
      errors.push_back({"payload.automation_id", "missing (goal_id needs it)"});
    if (!o.contains("goal_id"))
      errors.push_back({"payload.goal_id", "missing (automation_id needs it)"});
  } else if (errors.empty()) {
    errors.push_back(
        {"payload", "a goal needs integration and call_name (or automation_id and goal_id)"});
  }
  if (!errors.empty()) return errors;
  return goal;
}

}  // namespace keapsync::keap
