// A new OAuth token pair as the token endpoint handed it out, before it is stored.
#pragma once

#include <string>

#include "config/secret.hpp"
#include "db/timestamp.hpp"

namespace keapsync::db {

struct TokenPair {
  config::Secret access_token;
  config::Secret refresh_token;
  Timestamp issued_at;   // when the token endpoint answered (caller's clock)
  Timestamp expires_at;  // issued_at + expires_in of the answer
  std::string scope;     // "full|<app>.infusionsoft.com": names the Keap tenant
};

}  // namespace keapsync::db
