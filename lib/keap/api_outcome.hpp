// The outcome of one Keap API call: the 2xx reply, or the classified error.
#pragma once

#include <boost/json/value.hpp>
#include <optional>

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

}  // namespace keapsync::keap
