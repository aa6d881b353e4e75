// The outcome of one Keap API call: the 2xx reply, or the classified error.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "keap/api_error.hpp"

namespace keapsync::keap {

struct ApiReply {
  int status = 0;
  boost::json::value body;  // null for an empty body
};

struct ApiOutcome {
  std::optional<ApiReply> reply;  // set on success
  ApiError error;                 // otherwise
  TimePoint retry_at{};           // throttled or blocked: not before this

  bool ok() const { return reply.has_value(); }
};

// An outcome keapsync decides itself, with no answer of Keap's behind it.
inline ApiOutcome decided_failure(ErrorClass error_class, std::string message) {
  ApiOutcome out;
  out.error.error_class = error_class;
  out.error.message = std::move(message);
  return out;
}

// The caller's window closed: the call is not sent.
inline ApiOutcome not_sent() {
  return decided_failure(ErrorClass::fenced, "not sent: the contact's lease is not certain");
}

}  // namespace keapsync::keap
