// Opt-out / opt-in payload validation (email_status_parser.hpp).
#include "keap/email_status_parser.hpp"

#include <boost/json.hpp>

#include <array>
#include <string>

#include "keap/email_address.hpp"
#include "keap/payload_words.hpp"

namespace keapsync::keap {
namespace {

constexpr std::array<std::string_view, 2> kKeys{"email", "reason"};
constexpr std::size_t kMaxReason = 255;  // as opt_in_reason

}  // namespace

ParsedEmailStatus parse_email_status(const boost::json::value& payload, bool opted_in) {
  std::vector<PayloadError> errors;
  if (!payload.is_object()) {
    errors.push_back({"payload", std::string("an ") + (opted_in ? "opt_in" : "opt_out") +
                                     " takes an object, e.g. {\"email\": \"ann@example.com\", "
                                     "\"reason\": \"Unsubscribed in the shop\"} (got " +
                                     kind_name(payload) + ")"});
    return errors;
  }
  EmailStatusEvent event;
  event.opted_in = opted_in;
  const auto& o = payload.get_object();
  for (const auto& [key, value] : o) {
    if (key != "email" && key != "reason")
      errors.push_back({"payload." + shown_key(key), "unknown key " + key_hint(key, kKeys)});
  }
  if (const auto* email = o.if_contains("email")) {
    if (!email->is_string()) {
      errors.push_back({"payload.email", "expected a string, got " + kind_name(*email)});
    } else if (!is_email(email->get_string())) {
      errors.push_back({"payload.email", quoted(email->get_string()) +
                                             " is not an e-mail address (expected "
                                             "name@example.com)"});
    } else {
      event.email = std::string(email->get_string());
    }
  } else {
    errors.push_back({"payload.email", "missing: the address whose status changes"});
  }
  if (const auto* reason = o.if_contains("reason")) {
    if (!reason->is_string() ||
        reason->get_string().find_first_not_of(" \t") == std::string::npos) {
      errors.push_back(
          {"payload.reason", "expected a non-empty string, got " +
                                 (reason->is_string() ? std::string("\"\"") : kind_name(*reason))});
    } else if (char_count(reason->get_string()) > kMaxReason) {
      errors.push_back(
          {"payload.reason", "too long: " + std::to_string(char_count(reason->get_string())) +
                                 " characters (at most " + std::to_string(kMaxReason) + ")"});
    } else {
      event.reason = std::string(reason->get_string());
    }
  } else {
    errors.push_back({"payload.reason", "missing: Keap keeps why an address was opted in or out"});
  }
  if (!errors.empty()) return errors;
  return event;
}

}  // namespace keapsync::keap
