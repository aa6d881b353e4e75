// What one call to Keap's token endpoint gave, as the refresh callback reports it.
#pragma once

#include <string>

#include "db/timestamp.hpp"
#include "db/token_pair.hpp"

namespace keapsync::db {

struct RefreshOutcome {
  enum class Kind {
    refreshed,        // a new pair: it is committed before anyone sees it
    dead_token,       // invalid_grant / "Invalid Refresh Token": re-authorization required
    transient,        // no answer, 5xx, 429, …: nothing changes, try again later
    client_rejected,  // Keap refused the app itself (invalid_client): the pair stays valid
  };
  Kind kind = Kind::transient;
  TokenPair tokens;    // refreshed
  std::string reason;  // dead_token, transient, client_rejected: for logs (no secrets)
  Timestamp at;        // dead_token: when Keap said so

  static RefreshOutcome refreshed(TokenPair tokens) {
    return {Kind::refreshed, std::move(tokens), {}, {}};
  }
  static RefreshOutcome dead_token(std::string reason, Timestamp at) {
    return {Kind::dead_token, {}, std::move(reason), at};
  }
  static RefreshOutcome transient(std::string reason) {
    return {Kind::transient, {}, std::move(reason), {}};
  }
  static RefreshOutcome client_rejected(std::string reason) {
    return {Kind::client_rejected, {}, std::move(reason), {}};
  }
};

}  // namespace keapsync::db
