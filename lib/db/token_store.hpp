// The OAuth tokens of each account in keapsync.credentials, sealed with
// AES-256-GCM when a key is configured (plain bytes with key_id NULL under
// `token_encryption: none`; such rows are refused while a key is configured).
// Tokens enter and leave only as config::Secret, so they never reach a log.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <stdexcept>
#include <string>
#include <vector>

#include "db/stored_credentials.hpp"
#include "db/token_cipher.hpp"
#include "db/token_pair.hpp"

namespace keapsync::db {

// Stored tokens cannot be opened: sealed with a key that is not configured,
// or changed (tampered, moved to another account). The message names the
// account and the key id, never a token.
class CredentialDecryptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// New tokens are of another Keap tenant (app) than the account's stored ones.
class TenantMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The Keap tenant new tokens were seen to belong to (userinfo's tenant_id;
// nullopt: not known), and whether they may replace another tenant's.
struct TenantCheck {
  std::optional<std::string> seen;
  bool replace = false;
};

struct KeyRotationReport {
  int rewritten = 0;               // rows sealed anew with the current key
  int unchanged = 0;               // rows that already were
  std::vector<std::string> plain;  // unsealed rows left alone (accounts)
};

class TokenStore {
 public:
  // `current` seals every write (nullopt: tokens are stored unencrypted; the
  // caller logs a warning once). `previous` only open rows sealed earlier,
  // until rotate_key() has rewritten them.
  TokenStore(pqxx::connection& conn, std::optional<TokenCipher> current,
             std::vector<TokenCipher> previous = {});

  pqxx::connection& connection() { return conn_; }
  bool encrypts() const { return current_.has_value(); }
  std::optional<std::string> current_key_id() const {
    return current_ ? std::optional(current_->key_id()) : std::nullopt;
  }

  // The account's row, nullopt when it has none. Throws CredentialDecryptError.
  std::optional<StoredCredentials> read(const std::string& account);

  // Stores the pair of a new authorization (`keapsync auth`): version + 1
  // (1 for a new account), state ok, the tenant recorded as seen. Waits while
  // a refresh holds the row, so a refresh in flight cannot overwrite it.
  // Returns the new version. When the account holds tokens of a recorded
  // tenant and these are of another or an unknown one, throws TenantMismatch
  // and stores nothing, unless `tenant.replace`: then the account's contact
  // map, tag names and create notes (ids in the other tenant) go too.
  std::int64_t save(const std::string& account, const TokenPair& tokens,
                    const TenantCheck& tenant = {});

  // The Keap tenant recorded for the account, nullopt when none is.
  std::optional<std::string> tenant(const std::string& account);

  // Writes a rotated pair whose first commit failed (the connection was lost
  // with Keap's answer in hand): replaces the pair of `seen_version`, or finds
  // it already there (the commit had landed after all). The stored version,
  // or nullopt when the row moved on to another pair (a new authorization).
  std::optional<std::int64_t> save_rotated(const std::string& account, const TokenPair& tokens,
                                           std::int64_t seen_version);

  // The refresh token is dead. The tokens and version stay (the access token
  // may still work until it expires). False when the account has no row.
  bool mark_reauthorization_required(const std::string& account, const std::string& reason,
                                     Timestamp now);

  // Seals every row not sealed with the current key with it, in one
  // transaction; unsealed rows only when `seal_plain` (one may have been
  // planted: the operator says they are theirs). Throws std::logic_error
  // without a current key, CredentialDecryptError when a row's key is not
  // among the previous ones.
  KeyRotationReport rotate_key(bool seal_plain = false);

  // The same steps inside a caller's transaction (TokenRefresher holds the
  // row lock across the token call with them).
  std::optional<StoredCredentials> read(pqxx::work& tx, const std::string& account,
                                        bool for_update);
  // Replaces the pair of version `expected_version` (the caller holds the row
  // lock); returns the new version. Throws std::logic_error if the row moved on.
  std::int64_t replace(pqxx::work& tx, const std::string& account, const TokenPair& tokens,
                       std::int64_t expected_version);
  bool mark_reauthorization_required(pqxx::work& tx, const std::string& account,
                                     const std::string& reason, Timestamp now);

 private:
  struct Sealed {
    std::string access_token, refresh_token;
    std::optional<std::string> key_id;
  };
  Sealed seal(const std::string& account, const TokenPair& tokens) const;
  // Plain bytes (key_id NULL) are taken only when `plain_allowed`: without a
  // key, or by rotate_key, which seals them.
  std::string open(const std::string& account, const char* column, const std::string& bytes,
                   const std::optional<std::string>& key_id, bool plain_allowed) const;
  const TokenCipher* cipher_for(const std::string& key_id) const;

  pqxx::connection& conn_;
  std::optional<TokenCipher> current_;
  std::vector<TokenCipher> previous_;
};

}  // namespace keapsync::db
