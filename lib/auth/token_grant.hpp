// A token endpoint answer: a new pair, or the classified error.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "config/secret.hpp"
#include "keap/token_error.hpp"

namespace keapsync::keap {

struct TokenGrant {
  config::Secret access_token;
  config::Secret refresh_token;
  std::chrono::seconds expires_in{0};
  std::string scope;  // "full|<app>.infusionsoft.com"
};

using TokenResult = std::variant<TokenGrant, TokenError>;

}  // namespace keapsync::keap
