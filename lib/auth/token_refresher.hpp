// One refresher per account across all processes: the token call runs while
// the account's credentials row is locked (SELECT … FOR UPDATE), and the new
// pair is committed in that same transaction before anyone sees it.
//
// Why a row lock and not an advisory lock: the lock and the data are one
// thing. COMMIT publishes the new pair and releases the lock atomically, so a
// waiter wakes up reading the committed pair (READ COMMITTED re-reads the
// locked row); a crash or a lost connection rolls back and releases both; a
// `keapsync auth` or a key rotation writing the row waits for the refresh
// instead of racing it. An advisory lock would need a hash of the account
// name, would be invisible to those writers, and a session-level one can
// outlive a failed transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "config/secret.hpp"
#include "db/refresh_outcome.hpp"
#include "db/refresh_result.hpp"
#include "db/token_store.hpp"

namespace keapsync::db {

struct RefreshOptions {
  // How long one wait for the row lock lasts. A waiter whose wait runs out
  // never refreshes by itself: it re-reads (a sibling may have finished) and
  // waits again until the caller's deadline. So a token endpoint slower than
  // this still sees exactly one refresh.
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(5)};
  // idle_in_transaction_session_timeout while the token call runs: the server
  // ends the session of a holder that hangs longer, so a hung process cannot
  // block the account forever. MUST exceed the token call's own deadline by a
  // wide margin: a session ended after Keap answered loses the new pair.
  std::chrono::milliseconds hold_limit{std::chrono::minutes(2)};
};

class TokenRefresher {
 public:
  // Performs the token call with the stored refresh token. It runs while the
  // row lock is held and must return within its own deadline (< hold_limit).
  using RefreshFn = std::function<RefreshOutcome(const config::Secret& refresh_token)>;

  explicit TokenRefresher(TokenStore& store, RefreshOptions options = {})
      : store_(store), options_(options) {}

  // Refreshes `account` unless its pair is no longer the one of `seen_version`
  // (then it returns the newer pair without calling fn). fn is called at most
  // once, and only by the process holding the row lock with the pair of
  // seen_version still stored: refreshed → committed (version + 1) before this
  // returns; dead_token → state reauthorization_required; transient → nothing
  // changes. Waits for a sibling's refresh at most until `deadline`.
  // Throws on database failures and on CredentialDecryptError.
  RefreshResult refresh(const std::string& account, std::int64_t seen_version, const RefreshFn& fn,
                        std::chrono::steady_clock::time_point deadline);

 private:
  TokenStore& store_;
  RefreshOptions options_;
};

}  // namespace keapsync::db
