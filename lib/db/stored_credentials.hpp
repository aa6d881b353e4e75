// One account's row of keapsync.credentials, decrypted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/secret.hpp"
#include "db/credential_state.hpp"
#include "db/timestamp.hpp"

namespace keapsync::db {

struct StoredCredentials {
  std::string account;
  config::Secret access_token;
  config::Secret refresh_token;
  std::optional<Timestamp> issued_at;  // unknown for rows written before schema version 2
  std::optional<Timestamp> expires_at;
  std::string scope;
  // Bumped by every new token pair (authorization or refresh), never by a
  // state change or a key rotation: "the pair I hold is still the newest".
  std::int64_t version = 0;
  CredentialState state = CredentialState::ok;
  std::string reauthorization_reason;  // set while state is reauthorization_required
  std::optional<std::string> key_id;   // the key that sealed the tokens; nullopt: stored plain
};

}  // namespace keapsync::db
