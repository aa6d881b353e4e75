// UpdateEmailAddress: reason (a non-blank string) and opted_in (a JSON boolean),
// both required, nothing else. The PATCH description asks for an
// "opt_in_reason" field the schema does not have: it is refused by name.
#include "sandbox/email_status_route.hpp"

#include <boost/json.hpp>

#include "ascii/ascii.hpp"
#include "sandbox/contact_validator.hpp"
#include "sandbox/form_codec.hpp"
#include "sandbox/v2_answers.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

constexpr std::string_view kPrefix = "/rest/v2/emailAddresses/";
constexpr std::string_view kSuffix = "/status";

std::string quoted(std::string_view s) {
  return json::serialize(json::string(s));
}

// 400 unless `email` is an e-mail address (the contact validator's syntax).
std::optional<Response> invalid_address(const std::string& email) {
  if (ContactValidator::valid_email(email)) return std::nullopt;
  return v2_error(400, "email " + quoted(email) + " is not a valid email address");
}

// The error of a required non-blank string property, or nullopt (with `out` set).
std::optional<std::string> read_text(const json::object& body, const std::string& key,
                                     std::string& out) {
  const auto* v = given(body, key);
  if (!v) return key + " is required";
  if (!v->is_string()) return key + " must be a string";
  if (ascii::trim(v->get_string()).empty()) return key + " must not be empty";
  out = std::string(v->get_string());
  return std::nullopt;
}

}  // namespace

std::optional<std::string> email_status_address(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  if (path.substr(0, 10) == "/crm/rest/") path.remove_prefix(4);
  if (path.size() < kPrefix.size() + kSuffix.size() || path.substr(0, kPrefix.size()) != kPrefix ||
      path.substr(path.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  const auto segment = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (segment.find('/') != std::string_view::npos) return std::nullopt;
  // In a path '+' is itself: only a query or a form reads it as a space.
  std::string escaped;
  for (char c : segment)
    escaped += c == '+' ? std::string("%2B") : std::string(1, c);
  return percent_decode(escaped);
}

Response email_status(const Request& req, ContactStore& contacts,
                      std::chrono::system_clock::time_point now) {
  const auto email = email_status_address(req.target);
  if (!email)
    return v2_error(404, "No such resource: " + req.target.substr(0, req.target.find('?')));
  if (req.method != "GET" && req.method != "PATCH") return v2_error(405, "Method not allowed");
  if (auto error = invalid_address(*email)) return *error;
  const auto not_found = [&] { return v2_error(404, "Email address " + *email + " not found"); };
  if (req.method == "GET") {
    auto status = contacts.email_status(*email);
    return status ? json_ok(200, *status) : not_found();
  }

  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  for (const auto& kv : *body) {
    if (kv.key() == "reason" || kv.key() == "opted_in") continue;
    if (kv.key() == "opt_in_reason")
      return v2_error(400,
                      "opt_in_reason is not a recognized property (UpdateEmailAddress takes "
                      "reason and opted_in)");
    return v2_error(400, std::string(kv.key()) + " is not a recognized property");
  }
  std::string reason;
  if (auto e = read_text(*body, "reason", reason)) return v2_error(400, *e);
  const auto* opted_in = given(*body, "opted_in");
  if (!opted_in) return v2_error(400, "opted_in is required");
  if (!opted_in->is_bool()) return v2_error(400, "opted_in must be a boolean");

  auto status = contacts.opt_email(*email, opted_in->get_bool(), reason, now);
  return status ? json_ok(200, *status) : not_found();
}

Response sandbox_set_email_status(const Request& req, ContactStore& contacts,
                                  std::chrono::system_clock::time_point now) {
  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  for (const auto& kv : *body)
    if (kv.key() != "email" && kv.key() != "status" && kv.key() != "reason")
      return v2_error(400, std::string(kv.key()) + " is not a recognized property");
  std::string email, status, reason;
  if (auto e = read_text(*body, "email", email)) return v2_error(400, *e);
  if (auto error = invalid_address(email)) return *error;
  if (auto e = read_text(*body, "status", status)) return v2_error(400, *e);
  if (!EmailStatuses::is_status(status))
    return v2_error(
        400, "status " + quoted(status) + " is not one of RestEmailAddressStatus.status's values");
  if (const auto* r = given(*body, "reason")) {
    if (!r->is_string()) return v2_error(400, "reason must be a string");
    reason = std::string(r->get_string());
  }
  return json_ok(200, contacts.set_email_status(email, status, reason, now));
}

}  // namespace keapsync::sandbox
