// Reads the body of a 200 from Keap's token endpoint. Keap has rotated by
// then, so nothing here throws or refuses an answer that holds an access
// token: a lost pair is a locked-out shop.
#pragma once

#include <chrono>
#include <string_view>

#include "auth/token_grant.hpp"

namespace keapsync::auth {

// expires_in is clamped into this range; a missing or unreadable one is
// taken as kAssumedLifetime (short: the schedule then refreshes early).
inline constexpr std::chrono::seconds kMinLifetime{60};
inline constexpr std::chrono::seconds kMaxLifetime{std::chrono::hours(24 * 30)};
inline constexpr std::chrono::seconds kAssumedLifetime{std::chrono::hours(1)};

// A grant for any JSON object with a non-empty access_token (refresh_token
// missing: the grant's is empty and its note says so; expires_in a number or
// a string of digits), or with a refresh_token alone (access_token empty,
// lifetime kMinLifetime: the new refresh token is kept and used soon); a
// transient TokenError with may_have_rotated otherwise. A leading byte order
// mark or blanks are skipped.
TokenResult parse_token_answer(std::string_view body);

}  // namespace keapsync::auth
