// Names of the account states.
#include "engine/account_state.hpp"

namespace keapsync::engine {

std::string_view to_string(AccountState state) {
  switch (state) {
    case AccountState::ok:
      return "ok";
    case AccountState::reauthorization_required:
      return "reauthorization_required";
    case AccountState::credentials_rejected:
      return "credentials_rejected";
    case AccountState::throttled:
      return "throttled";
  }
  return "unknown";
}

}  // namespace keapsync::engine
