// An account's credentials row held FOR UPDATE: one refresher per account
// across all processes. The lock and the data are one thing: COMMIT publishes
// the new pair and releases the lock atomically, a waiter wakes up reading the
// committed pair, a crash or a lost connection rolls back and releases both,
// and `keapsync auth` or a key rotation writing the row waits for the refresh.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <pqxx/transaction>
#include <string>

#include "db/stored_credentials.hpp"
#include "db/token_pair.hpp"
#include "db/token_store.hpp"

namespace keapsync::db {

class CredentialLock {
 public:
  // Waits at most `wait` for the row (null when that ran out). While held the
  // server ends a session idle for `hold_limit` (a hung holder cannot block
  // the account for ever), so it must exceed every wait of the holder's.
  // Throws on database failures and CredentialDecryptError.
  static std::unique_ptr<CredentialLock> acquire(TokenStore& store, const std::string& account,
                                                 std::chrono::milliseconds wait,
                                                 std::chrono::milliseconds hold_limit);

  // The row as it stands under the lock (nullopt: the account has none).
  const std::optional<StoredCredentials>& row() const { return row_; }

  // Replaces the locked pair and commits (synchronously durable); the new version.
  std::int64_t replace(const TokenPair& tokens);
  // Marks the refresh token dead and commits; tokens and version stay.
  void mark_reauthorization_required(const std::string& reason, Timestamp at);
  // Rolls back: the lock is released, nothing changes (also on destruction).
  void release();

  CredentialLock(TokenStore& store, std::string account);

 private:
  TokenStore& store_;
  std::string account_;
  pqxx::work tx_;
  std::optional<StoredCredentials> row_;
};

}  // namespace keapsync::db
