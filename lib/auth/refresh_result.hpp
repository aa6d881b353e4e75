// What TokenRefresher::refresh did for its caller.
#pragma once

#include <optional>
#include <string>

#include "db/stored_credentials.hpp"

namespace keapsync::auth {

struct RefreshResult {
  enum class Kind {
    refreshed,                 // this call refreshed; `credentials` holds the committed pair
    refreshed_unsaved,         // Keap rotated but the commit failed: `credentials` holds the new
                               // pair (version: the one it will get), which exists only in memory
                               // until TokenStore::save_rotated succeeds
    refreshed_by_sibling,      // another process (or an authorization) stored a newer pair
    reauthorization_required,  // dead refresh token (now or earlier)
    transient_failure,         // the token call failed transiently; the store is unchanged
    client_rejected,           // Keap refused the app's client credentials; the store is unchanged
    rejected,                  // Keap refused the request (another 4xx); the store is unchanged
    timed_out,                 // the deadline passed while a sibling held the lock
    no_credentials,            // the account has no refresh token: run `keapsync auth`
  };
  Kind kind = Kind::no_credentials;
  std::optional<db::StoredCredentials> credentials;  // the row as it stands after the call
  std::string error;  // everything but refreshed / refreshed_by_sibling: why
  bool called_token_endpoint = false;
  bool may_have_rotated = false;  // transient_failure: the answer was lost after the request
  int lock_timeouts = 0;          // lock waits that ran out (a sibling's token call was slow)
};

inline const char* to_string(RefreshResult::Kind k) {
  switch (k) {
    case RefreshResult::Kind::refreshed:
      return "refreshed";
    case RefreshResult::Kind::refreshed_unsaved:
      return "refreshed_unsaved";
    case RefreshResult::Kind::refreshed_by_sibling:
      return "refreshed_by_sibling";
    case RefreshResult::Kind::reauthorization_required:
      return "reauthorization_required";
    case RefreshResult::Kind::transient_failure:
      return "transient_failure";
    case RefreshResult::Kind::client_rejected:
      return "client_rejected";
    case RefreshResult::Kind::rejected:
      return "rejected";
    case RefreshResult::Kind::timed_out:
      return "timed_out";
    case RefreshResult::Kind::no_credentials:
      return "no_credentials";
  }
  return "unknown";
}

}  // namespace keapsync::auth
