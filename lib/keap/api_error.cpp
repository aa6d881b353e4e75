// Classification of Keap API failures (docs/keap-api.md §1.7, §3.4, §4.3).
#include "keap/api_error.hpp"

#include "ascii/ascii.hpp"
#include "http/error_body.hpp"

namespace keapsync::keap {
namespace {

bool contains(const std::string& haystack_lower, std::string_view needle_lower) {
  return haystack_lower.find(needle_lower) != std::string::npos;
}

// Apigee fault codes seen: policies.ratelimit.QuotaViolation,
// policies.ratelimit.SpikeArrestViolation.
bool is_throttle_fault(const std::string& fault_code) {
  const std::string low = ascii::to_lower(fault_code);
  return contains(low, "quota") || contains(low, "spikearrest") || contains(low, "ratelimit");
}

// oauth.v2.InvalidAccessToken, keymanagement.service.invalid_access_token, AccessTokenExpired...
bool is_token_fault(const std::string& fault_code) {
  const std::string low = ascii::to_lower(fault_code);
  return contains(low, "accesstoken") || contains(low, "access_token") ||
         contains(low, "invalidapikey") || contains(low, "invalid_api_key");
}

ErrorClass class_of(int status, const http::ErrorBody& body) {
  if (!body.fault_code.empty()) {
    if (is_throttle_fault(body.fault_code)) return ErrorClass::throttled;
    if (is_token_fault(body.fault_code) && status < 500) return ErrorClass::auth;
  }
  if (status == 429) return ErrorClass::throttled;
  if (status == 401) return ErrorClass::auth;
  if (status == 408 || status >= 500) return ErrorClass::transient;
  return ErrorClass::permanent;
}

std::string describe(int status, const http::ErrorBody& body, const ResponseHeaders& headers) {
  std::string out = "HTTP " + std::to_string(status);
  if (!body.status.empty()) out += " " + body.status;
  out += ": ";
  if (!body.message.empty()) {
    out += body.message;
  } else if (body.is_empty) {
    out += "(empty body)";
  } else {
    out += "(no message in body)";
  }
  if (!body.fault_code.empty()) out += " [" + body.fault_code + "]";
  if (!body.oauth_error.empty()) out += " [" + body.oauth_error + "]";
  if (!body.details.empty()) out += " (details: " + body.details + ")";
  if (const auto id = headers.get("x-request-id"); id && !id->empty()) {
    out += " (x-request-id " + http::clean_text(*id, 80) + ")";
  }
  return out;
}

}  // namespace

ApiError classify_response(int status, const ResponseHeaders& headers, std::string_view body) {
  const http::ErrorBody parsed = http::parse_error_body(body);
  ApiError out;
  out.status = status;
  out.error_class = class_of(status, parsed);
  out.message = describe(status, parsed, headers);
  out.keap_code = !parsed.fault_code.empty() ? parsed.fault_code : parsed.status;
  return out;
}

ApiError transport_failure(std::string_view what) {
  ApiError out;
  out.error_class = ErrorClass::transient;
  out.status = 0;
  out.message = "no HTTP response: " + http::clean_text(what);
  return out;
}

}  // namespace keapsync::keap
