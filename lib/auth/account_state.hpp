// Whether an account's credentials can be used, and if not, what the operator must do.
#pragma once

namespace keapsync::auth {

enum class AccountState {
  ok,
  reauthorization_required,  // OAuth: the refresh token is dead; run `keapsync auth`
  credentials_rejected,      // API key: Keap answered 401; put a valid key in api_key_file
};

inline const char* to_string(AccountState s) {
  switch (s) {
    case AccountState::ok:
      return "ok";
    case AccountState::reauthorization_required:
      return "reauthorization_required";
    case AccountState::credentials_rejected:
      return "credentials_rejected";
  }
  return "ok";
}

}  // namespace keapsync::auth
