// What an account can do right now, and if not, what the operator must do:
// the one account state of credentials, health and metrics.
#pragma once

#include <array>

namespace keapsync::auth {

enum class AccountState {
  ok,                        // requests flow
  reauthorization_required,  // OAuth: the refresh token is dead or refused; run `keapsync auth`
  credentials_rejected,      // Keap refuses the client id/secret or the API key: fix its file
  throttled,  // a Keap quota is exhausted; rows wait until it resets. Set by the engine from
              // the rate limiter, never by credentials
};

inline constexpr std::array<AccountState, 4> kAccountStates = {
    AccountState::ok, AccountState::reauthorization_required, AccountState::credentials_rejected,
    AccountState::throttled};

// The label value / JSON string of a state ("ok", "reauthorization_required", ...).
inline const char* to_string(AccountState s) {
  switch (s) {
    case AccountState::ok:
      return "ok";
    case AccountState::reauthorization_required:
      return "reauthorization_required";
    case AccountState::credentials_rejected:
      return "credentials_rejected";
    case AccountState::throttled:
      return "throttled";
  }
  return "ok";
}

// Whether rows of an account in this state are delivered without an operator
// (throttling ends by itself; the other two need one). /readyz counts these.
inline bool is_usable(AccountState s) {
  return s == AccountState::ok || s == AccountState::throttled;
}

}  // namespace keapsync::auth
