// A failed call to Keap's token endpoint, classified for the refresh schedule (docs/keap-api.md
// §1.7).
#pragma once

#include <string>
#include <string_view>

namespace keapsync::auth {

enum class TokenErrorKind {
  transient,               // no answer, timeout, 5xx, 408, 429: back off and try again
  dead_refresh_token,      // invalid_grant, or invalid_request + "Invalid Refresh Token":
                           // the chain is gone, a human must run `keapsync auth`
  bad_client_credentials,  // 401 / invalid_client: client id or secret wrong (config, not tokens)
  rejected,                // any other 4xx: our request is wrong; retrying soon will not help
};

const char* to_string(TokenErrorKind kind);

struct TokenError {
  TokenErrorKind kind = TokenErrorKind::transient;
  int status = 0;           // 0: no HTTP response
  std::string oauth_error;  // "invalid_grant", "invalid_request", ... ("" if none)
  std::string message;      // for logs and status; credential-looking values masked
  // The request reached Keap and no usable answer came back (the connection
  // dropped after it was sent, a deadline passed, a 200 without an access
  // token): Keap may have rotated, spending the refresh token that was sent.
  bool may_have_rotated = false;
};

// Classifies a non-2xx answer of the token endpoint.
TokenError classify_token_error(int status, std::string_view body);

// The token endpoint gave no HTTP response (timeout, connect or TLS failure): transient.
// `request_sent`: it may have reached Keap (may_have_rotated).
TokenError token_transport_failure(std::string_view what, bool request_sent = false);

}  // namespace keapsync::auth
