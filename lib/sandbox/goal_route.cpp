// AchieveGoalRequest: EITHER integration + call_name OR automation_id + goal_id,
// and contact_id. The spec types the ids int64: a JSON integer, never a string
// (v2 writes contact ids as strings elsewhere, so this is the likely slip).
#include "sandbox/goal_route.hpp"

#include <boost/json.hpp>

#include "sandbox/v2_answers.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

// The error of an int64 id property, or nullopt (with `out` set) when valid.
std::optional<std::string> read_id(const json::object& body, const std::string& key,
                                   std::optional<std::int64_t>& out) {
  const auto* v = given(body, key);
  if (!v) return std::nullopt;
  if (v->is_string()) return key + " must be an integer (int64), not a string";
  if (!v->is_int64()) return key + " must be an integer (int64)";
  if (v->get_int64() <= 0) return key + " must be positive";
  out = v->get_int64();
  return std::nullopt;
}

std::optional<std::string> read_name(const json::object& body, const std::string& key,
                                     std::optional<std::string>& out) {
  const auto* v = given(body, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) return key + " must be a string";
  if (v->get_string().empty()) return key + " must not be empty";
  out = std::string(v->get_string());
  return std::nullopt;
}

// "b is required with a" when only one of a pair is given.
std::optional<std::string> incomplete(const char* a, bool has_a, const char* b, bool has_b) {
  if (has_a && !has_b) return std::string(b) + " is required with " + a;
  if (has_b && !has_a) return std::string(a) + " is required with " + b;
  return std::nullopt;
}

}  // namespace

Response achieve_goal(const Request& req, const ContactStore& contacts, GoalStore& goals,
                      std::chrono::system_clock::time_point now) {
  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  for (const auto& kv : *body)
    if (kv.key() != "integration" && kv.key() != "call_name" && kv.key() != "automation_id" &&
        kv.key() != "goal_id" && kv.key() != "contact_id")
      return v2_error(400, std::string(kv.key()) + " is not a recognized property");

  GoalStore::Key key;
  std::optional<std::int64_t> contact_id;
  for (auto e : {read_name(*body, "integration", key.integration),
                 read_name(*body, "call_name", key.call_name),
                 read_id(*body, "automation_id", key.automation_id),
                 read_id(*body, "goal_id", key.goal_id), read_id(*body, "contact_id", contact_id)})
    if (e) return v2_error(400, *e);
  if (!contact_id) return v2_error(400, "contact_id is required");

  const bool by_name = key.integration || key.call_name;
  const bool by_ids = key.automation_id || key.goal_id;
  if (by_name && by_ids)
    return v2_error(400,
                    "integration and call_name are mutually exclusive with automation_id and "
                    "goal_id: send one pair");
  if (!by_name && !by_ids)
    return v2_error(400, "integration and call_name, or automation_id and goal_id, are required");
  if (auto e = incomplete("integration", bool(key.integration), "call_name", bool(key.call_name)))
    return v2_error(400, *e);
  if (auto e = incomplete("automation_id", bool(key.automation_id), "goal_id", bool(key.goal_id)))
    return v2_error(400, *e);

  const auto id = static_cast<std::uint64_t>(*contact_id);
  if (!contacts.exists(id)) return v2_error(404, "Contact " + std::to_string(id) + " not found");
  return json_ok(200, goals.achieve(id, key, now));
}

}  // namespace keapsync::sandbox
