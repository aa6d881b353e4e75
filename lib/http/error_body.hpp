// What an error body says, whatever its shape (Keap v2, v1, gateway fault, OAuth, text, HTML),
// reduced to short, clean strings that are safe to store in last_error and to log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keapsync::http {

// Longest text taken from a body into one field; bodies may echo request data (tokens, e-mail).
inline constexpr std::size_t kMaxBodyText = 300;

struct ErrorBody {
  std::string message;     // Keap's own words: v2/v1 "message", fault "faultstring",
                           // OAuth "error_description", or the text of a non-JSON body
  std::string status;      // v2 "status" ("INVALID_ARGUMENT", "Request Throttled")
  std::string code;        // v2 "code" (a number, or "429" as a string)
  std::string fault_code;  // gateway fault "detail.errorcode" ("policies.ratelimit.QuotaViolation")
  std::string oauth_error;  // token endpoint "error" ("invalid_grant")
  std::string details;      // v2 "details" as "domain/resource; ..."
  bool is_json = false;     // the body was a JSON object
  bool is_empty = true;     // nothing but blanks
};

// Reads any body; never throws. JSON is parsed only up to a bounded size; anything else is text
// (HTML is reduced to its <title> or its text).
ErrorBody parse_error_body(std::string_view body);

// Makes text safe for a message: credentials masked, control characters and runs of blanks
// collapsed, invalid UTF-8 replaced, cut to max_bytes on a character boundary ("..." appended).
std::string clean_text(std::string_view text, std::size_t max_bytes = kMaxBodyText);

// Masks values that look like credentials: "Bearer <x>", "KeapAK-<x>", and the values of
// access_token / refresh_token / client_secret / api_key / code / password fields (JSON or form).
std::string mask_credentials(std::string_view text);

}  // namespace keapsync::http
