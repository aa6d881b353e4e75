// What `keapsync status` shows of an account's stored OAuth tokens: their
// state and expiry, never the tokens (nothing is decrypted to get it).
#pragma once

#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "db/credential_state.hpp"
#include "db/timestamp.hpp"

namespace keapsync::db {

struct CredentialSummary {
  std::string account;
  CredentialState state = CredentialState::ok;
  std::optional<Timestamp> expires_at;  // of the access token
  std::optional<Timestamp> issued_at;
  std::string reauthorization_reason;  // when state is reauthorization_required
  std::int64_t version = 0;
  bool sealed = false;                // a key id is stored with the tokens
  std::optional<std::string> tenant;  // the Keap tenant `keapsync auth` recorded
};

// Every row of keapsync.credentials, sorted by account.
std::vector<CredentialSummary> credential_summaries(pqxx::connection& conn);

}  // namespace keapsync::db
