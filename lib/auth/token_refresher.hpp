// The refresh driver: one refresher per account across all processes, and a
// rotated pair never dropped. Under the account's row lock (db::CredentialLock)
// it re-reads the pair, records the attempt in the journal (durable before the
// refresh token leaves), makes the one token call, and commits the new pair in
// the lock's transaction before anyone sees it. Runs on a thread that may
// block (a database pool thread); the SQL lives in lib/db.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "auth/refresh_result.hpp"
#include "auth/refresh_timing.hpp"
#include "auth/token_grant.hpp"
#include "base/clock.hpp"
#include "config/secret.hpp"
#include "db/credential_lock.hpp"
#include "db/refresh_journal.hpp"
#include "db/token_store.hpp"

namespace keapsync::auth {

class TokenRefresher {
 public:
  // Performs the token call with the stored refresh token and says what
  // Keap answered. It runs while the row lock is held; its own deadline
  // (timing.token_call) ends it.
  using RefreshFn = std::function<TokenResult(const config::Secret& refresh_token)>;

  // Throws std::invalid_argument for a timing whose waits do not nest.
  // `clock` stamps a new pair's issue time (the schedule counts from it).
  TokenRefresher(db::TokenStore& store, db::RefreshJournal& journal, RefreshTiming timing = {},
                 Clock clock = system_clock());

  // Refreshes `account` unless its pair is no longer the one of `seen_version`
  // (then it returns the newer pair without calling fn). fn is called at most
  // once, and only by the process holding the row lock with the pair of
  // seen_version still stored: a grant → committed (version + 1), or, when
  // that commit fails, refreshed_unsaved with the pair; a dead token → state
  // reauthorization_required, with the reason naming an earlier attempt whose
  // answer was lost; anything else → nothing changes. fn is not called (a
  // transient_failure) while the journal shows another attempt on the same
  // pair that may still store Keap's answer: one that started less than
  // timing.attempt_window() ago and never finished, or whose pair waits
  // unsaved in its process (kUnsavedWindow). Waits for a sibling at
  // most until `deadline`. Throws on database failures before the call and on
  // CredentialDecryptError.
  RefreshResult refresh(const std::string& account, std::int64_t seen_version, const RefreshFn& fn,
                        std::chrono::steady_clock::time_point deadline);

  const RefreshTiming& timing() const { return timing_; }

 private:
  RefreshResult call_locked(const std::string& account, db::CredentialLock& lock,
                            const RefreshFn& fn, RefreshResult result);

  db::TokenStore& store_;
  db::RefreshJournal& journal_;
  RefreshTiming timing_;
  Clock clock_;
};

// How long a pair that its process could not store (refreshed_unsaved) is
// left to that process: it retries the write with backoff of at most 30 s.
inline constexpr std::chrono::minutes kUnsavedWindow{5};

// Why an account needs re-authorization after Keap refused its refresh token
// (`keap_reason`), told apart by the journal's record of the attempt before:
// one whose answer was lost, or that crashed, spent the token.
std::string dead_token_reason(const std::optional<db::RefreshAttempt>& prior, std::int64_t version,
                              const std::string& keap_reason);

}  // namespace keapsync::auth
