// Whether an account's stored OAuth tokens can still be refreshed.
#pragma once

namespace keapsync::db {

enum class CredentialState {
  ok,
  reauthorization_required,  // the refresh token is dead: a human must run `keapsync auth`
};

inline const char* to_string(CredentialState s) {
  return s == CredentialState::ok ? "ok" : "reauthorization_required";
}

}  // namespace keapsync::db
