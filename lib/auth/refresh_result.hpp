// What TokenRefresher::refresh did for its caller.
#pragma once

#include <optional>
#include <string>

#include "db/stored_credentials.hpp"

namespace keapsync::db {

struct RefreshResult {
  enum class Kind {
    refreshed,                 // this call refreshed; `credentials` holds the committed pair
    refreshed_by_sibling,      // another process (or an authorization) stored a newer pair
    reauthorization_required,  // dead refresh token (now or earlier): nothing was sent
    transient_failure,         // the token call failed transiently; the store is unchanged
    client_rejected,           // Keap refused the app's client credentials; the store is unchanged
    timed_out,                 // the deadline passed while a sibling held the lock
    no_credentials,            // the account has no refresh token: run `keapsync auth`
  };
  Kind kind = Kind::no_credentials;
  std::optional<StoredCredentials> credentials;  // the row as it stands after the call
  std::string error;  // transient_failure, client_rejected, reauthorization_required: why
  bool called_token_endpoint = false;
  int lock_timeouts = 0;  // lock waits that ran out (a sibling's token call was slow)
};

inline const char* to_string(RefreshResult::Kind k) {
  switch (k) {
    case RefreshResult::Kind::refreshed:
      return "refreshed";
    case RefreshResult::Kind::refreshed_by_sibling:
      return "refreshed_by_sibling";
    case RefreshResult::Kind::reauthorization_required:
      return "reauthorization_required";
    case RefreshResult::Kind::transient_failure:
      return "transient_failure";
    case RefreshResult::Kind::client_rejected:
      return "client_rejected";
    case RefreshResult::Kind::timed_out:
      return "timed_out";
    case RefreshResult::Kind::no_credentials:
      return "no_credentials";
  }
  return "unknown";
}

}  // namespace keapsync::db
