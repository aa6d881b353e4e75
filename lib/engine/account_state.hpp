// AccountState: what an account can do right now, as health and metrics report it.
#pragma once

#include <array>
#include <string_view>

namespace keapsync::engine {

// ok: requests flow. reauthorization_required: the refresh token is dead (`keapsync auth` again).
// credentials_rejected: Keap refuses the client id/secret or the API key. throttled: a quota is
// exhausted, rows wait until it resets. Only `ok` and `throttled` count as usable for /readyz
// (throttling ends by itself; the other two need an operator).
enum class AccountState { ok, reauthorization_required, credentials_rejected, throttled };

inline constexpr std::array<AccountState, 4> kAccountStates = {
    AccountState::ok, AccountState::reauthorization_required, AccountState::credentials_rejected,
    AccountState::throttled};

// The label value / JSON string of a state ("ok", "reauthorization_required", ...).
std::string_view to_string(AccountState state);

// Whether rows of an account in this state will be delivered without an operator.
inline bool is_usable(AccountState state) {
  return state == AccountState::ok || state == AccountState::throttled;
}

}  // namespace keapsync::engine
