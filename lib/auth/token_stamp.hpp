// What the refresh schedule knows about a token pair: when it was issued, for how long, which
// version of the store row holds it. Never the tokens themselves.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/clock.hpp"

namespace keapsync::auth {

struct TokenStamp {
  TimePoint issued_at;                 // when the token endpoint answered
  std::chrono::seconds expires_in{0};  // the access token's lifetime, as Keap sent it
  std::int64_t version = 0;            // the token store row's version (bumped on every write)

  TimePoint expires_at() const { return issued_at + expires_in; }
};

}  // namespace keapsync::auth
