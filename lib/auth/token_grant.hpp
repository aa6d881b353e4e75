// A token endpoint answer: a new pair, or the classified error.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "auth/token_error.hpp"
#include "config/secret.hpp"

namespace keapsync::auth {

struct TokenGrant {
  config::Secret access_token;
  config::Secret refresh_token;  // empty: Keap sent none, the one that was sent stays valid
  std::chrono::seconds expires_in{0};
  std::string scope;  // "full|<app>.infusionsoft.com"
  // What was tolerated in an odd answer (no refresh_token, expires_in out of
  // range or missing), for a warning; empty for a regular answer.
  std::string note;
};

using TokenResult = std::variant<TokenGrant, TokenError>;

}  // namespace keapsync::auth
