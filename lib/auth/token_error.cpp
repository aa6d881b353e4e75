// Classification of token-endpoint failures: dead refresh tokens must never be retried.
#include "auth/token_error.hpp"

#include "ascii/ascii.hpp"
#include "http/error_body.hpp"

namespace keapsync::auth {
namespace {

TokenErrorKind kind_of(int status, const http::ErrorBody& body) {
  const std::string error = ascii::to_lower(body.oauth_error);
  const std::string description = ascii::to_lower(body.message);
  // Body first: a dead token is dead whatever status it came with.
  if (error == "invalid_grant") return TokenErrorKind::dead_refresh_token;
  if (error == "invalid_request" && description.find("invalid refresh token") != std::string::npos)
    return TokenErrorKind::dead_refresh_token;
  if (error == "invalid_client" || error == "unauthorized_client")
    return TokenErrorKind::bad_client_credentials;
  if (status == 408 || status == 429 || status >= 500) return TokenErrorKind::transient;
  if (status == 401) return TokenErrorKind::bad_client_credentials;
  return TokenErrorKind::rejected;
}

}  // namespace

const char* to_string(TokenErrorKind kind) {
  switch (kind) {
    case TokenErrorKind::transient:
      return "transient";
    case TokenErrorKind::dead_refresh_token:
      return "dead_refresh_token";
    case TokenErrorKind::bad_client_credentials:
      return "bad_client_credentials";
    case TokenErrorKind::rejected:
      return "rejected";
  }
  return "unknown";
}

TokenError classify_token_error(int status, std::string_view body) {
  const http::ErrorBody parsed = http::parse_error_body(body);
  TokenError out;
  out.status = status;
  out.kind = kind_of(status, parsed);
  out.oauth_error = parsed.oauth_error;
  out.message = "token endpoint HTTP " + std::to_string(status) + ": ";
  if (!parsed.oauth_error.empty()) out.message += parsed.oauth_error;
  if (!parsed.message.empty()) {
    out.message += (parsed.oauth_error.empty() ? "" : ": ") + parsed.message;
  } else if (parsed.oauth_error.empty()) {
    out.message += parsed.is_empty ? "(empty body)" : "(no message in body)";
  }
  if (!parsed.fault_code.empty()) out.message += " [" + parsed.fault_code + "]";
  // A gateway's 5xx says nothing about whether Keap's backend rotated first.
  out.may_have_rotated = status >= 500;
  return out;
}

TokenError token_transport_failure(std::string_view what, bool request_sent) {
  TokenError out;
  out.kind = TokenErrorKind::transient;
  out.message = "token endpoint gave no HTTP response: " + http::clean_text(what);
  out.may_have_rotated = request_sent;
  return out;
}

}  // namespace keapsync::auth
