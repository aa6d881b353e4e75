// What a failed Keap call means for the caller: retry soon, slow down, give up, or fix credentials.
#pragma once

namespace keapsync::keap {

enum class ErrorClass {
  transient,  // no answer, timeout, 5xx, 408: retry with backoff
  throttled,  // 429 or a quota/spike-arrest fault: wait for the rate limiter, do not count as a
              // failure
  permanent,  // a 4xx that retrying cannot fix: dead-letter (404 on PATCH: the caller decides)
  auth,       // 401: refresh the token once, then the account needs attention
  fenced,     // not sent: the caller's window closed (its lease is no longer certain)
};

const char* to_string(ErrorClass c);

}  // namespace keapsync::keap
