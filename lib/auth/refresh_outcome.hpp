// What one call to Keap's token endpoint gave, as the refresh callback reports it.
#pragma once

#include <string>

#include "db/timestamp.hpp"
#include "db/token_pair.hpp"

namespace keapsync::auth {

struct RefreshOutcome {
  enum class Kind {
    refreshed,        // a new pair: it is committed before anyone sees it
    dead_token,       // invalid_grant / "Invalid Refresh Token": re-authorization required
    transient,        // no answer, 5xx, 429, …: nothing changes, try again later
    client_rejected,  // Keap refused the app itself (invalid_client): the pair stays valid
    rejected,         // another 4xx: our request is wrong; retried rarely, escalated
  };
  Kind kind = Kind::transient;
  db::TokenPair tokens;  // refreshed
  std::string reason;    // everything but refreshed: for logs (no secrets)
  db::Timestamp at;      // dead_token: when Keap said so
  // transient: the request reached Keap and its answer was lost or unusable.
  bool may_have_rotated = false;

  static RefreshOutcome refreshed(db::TokenPair tokens) {
    return {Kind::refreshed, std::move(tokens), {}, {}, false};
  }
  static RefreshOutcome dead_token(std::string reason, db::Timestamp at) {
    return {Kind::dead_token, {}, std::move(reason), at, false};
  }
  static RefreshOutcome transient(std::string reason, bool may_have_rotated = false) {
    return {Kind::transient, {}, std::move(reason), {}, may_have_rotated};
  }
  static RefreshOutcome client_rejected(std::string reason) {
    return {Kind::client_rejected, {}, std::move(reason), {}, false};
  }
  static RefreshOutcome rejected(std::string reason) {
    return {Kind::rejected, {}, std::move(reason), {}, false};
  }
};

}  // namespace keapsync::auth
