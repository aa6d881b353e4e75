// A failed Keap API call, classified: what to do about it and a message for last_error.
#pragma once

#include <string>
#include <string_view>

#include "keap/error_class.hpp"
#include "keap/response_headers.hpp"

namespace keapsync::keap {

struct ApiError {
  ErrorClass error_class = ErrorClass::transient;
  int status = 0;         // HTTP status; 0 when no response arrived
  std::string message;    // for last_error and logs: status, Keap's own words, request id
  std::string keap_code;  // Keap's code for metrics: v2 status, fault errorcode, or ""
  // False when no byte of the request left this machine (a full connection
  // pool, DNS, connect, TLS): the rows are not at fault, no attempt counts.
  bool request_sent = true;

  // 404 is permanent in general, but a PATCH by a stale Keap id wants to re-create instead.
  bool not_found() const { return status == 404; }
};

// Classifies a non-2xx response (status, headers, body of any shape):
//   5xx, 408            -> transient
//   429, or a gateway fault whose errorcode names a quota or spike arrest -> throttled
//   401, or a fault saying the access token is invalid/expired          -> auth
//   any other 4xx (400, 403, 404, 409, 412, 413, 422, ...)              -> permanent
//   1xx/2xx/3xx (not expected here: we follow no redirects)             -> permanent
// The message carries Keap's own message, never more than a few hundred bytes of the body, with
// credential-looking values masked.
ApiError classify_response(int status, const ResponseHeaders& headers, std::string_view body);

// A call that got no HTTP response (connect/TLS/read failure, timeout): always transient.
// `what` is our own description (e.g. "read timed out after 30s"), not a body.
ApiError transport_failure(std::string_view what);

}  // namespace keapsync::keap
