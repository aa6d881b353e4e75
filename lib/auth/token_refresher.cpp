// The refresh coordinator: row lock, re-read, one token call, commit.
#include "db/token_refresher.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {
namespace {

constexpr const char* kLockNotAvailable = "55P03";

// The result when the stored row already answers the caller, without a token
// call: a newer pair, a dead chain, or nothing to refresh with.
std::optional<RefreshResult> settled(const std::optional<StoredCredentials>& row,
                                     std::int64_t seen_version, RefreshResult result) {
  using Kind = RefreshResult::Kind;
  if (!row || row->refresh_token.empty()) {
    result.kind = Kind::no_credentials;
  } else if (row->state == CredentialState::reauthorization_required) {
    result.kind = Kind::reauthorization_required;
    result.error = row->reauthorization_reason;
  } else if (row->version != seen_version) {
    result.kind = Kind::refreshed_by_sibling;
  } else {
    return std::nullopt;
  }
  result.credentials = row;
  return result;
}

}  // namespace

RefreshResult TokenRefresher::refresh(const std::string& account, std::int64_t seen_version,
                                      const RefreshFn& fn,
                                      std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  RefreshResult result;
  for (;;) {
    const auto remaining = ceil<milliseconds>(deadline - steady_clock::now());
    if (remaining <= milliseconds::zero()) {
      auto row = store_.read(account);
      if (auto done = settled(row, seen_version, result)) return *done;
      result.kind = RefreshResult::Kind::timed_out;
      result.credentials = std::move(row);
      return result;
    }
    {
      pqxx::work tx(store_.connection(), "token_refresh");
      // lock_timeout 0 would mean "wait forever": at least 1 ms.
      const auto wait = std::max(milliseconds(1), std::min(options_.lock_timeout, remaining));
      // statement_timeout 0: lock_timeout alone bounds the wait (a server-wide
      // statement_timeout would end it with another error). synchronous_commit:
      // the commit that saves a rotated pair must be durable even where the
      // server trades durability for speed.
      tx.exec("SET LOCAL lock_timeout = " + std::to_string(wait.count()) +
              "; SET LOCAL statement_timeout = 0"
              "; SET LOCAL idle_in_transaction_session_timeout = " +
              std::to_string(options_.hold_limit.count()) + "; SET LOCAL synchronous_commit = on");
      std::optional<StoredCredentials> row;
      bool locked = false;
      try {
        row = store_.read(tx, account, /*for_update=*/true);
        locked = true;
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != kLockNotAvailable) throw;
      }
      if (locked) {
        // Re-read under the lock: the pair may have changed while we waited.
        if (auto done = settled(row, seen_version, result)) {
          tx.commit();
          return *done;
        }
        result.called_token_endpoint = true;
        RefreshOutcome outcome = fn(row->refresh_token);  // throws: rollback, nothing changes
        switch (outcome.kind) {
          case RefreshOutcome::Kind::refreshed: {
            // THE CRASH WINDOW. Keap has rotated: the old refresh token is dead and
            // the new pair exists only in this process until this COMMIT is durable.
            // A crash, a kill or a lost connection from Keap's answer to here loses
            // the chain (re-authorization required). It cannot be closed: Keap's
            // token endpoint is not transactional with our database (no two-phase
            // commit, no idempotency key, no documented grace period for the old
            // token, NOTES.md §1.6), and we cannot store a pair before we know it.
            // It is kept as small as possible: the row is already locked and the
            // connection was used just before the call, so the UPDATE and COMMIT are
            // two round trips with no lock wait; nothing (no logging, no use of the
            // access token) happens before the commit; synchronous_commit is on; the
            // server will not end the session as idle (hold_limit > call deadline).
            const auto version = store_.replace(tx, account, outcome.tokens, seen_version);
            tx.commit();
            StoredCredentials c = *row;
            c.access_token = outcome.tokens.access_token;
            c.refresh_token = outcome.tokens.refresh_token;
            c.issued_at = outcome.tokens.issued_at;
            c.expires_at = outcome.tokens.expires_at;
            c.scope = outcome.tokens.scope;
            c.version = version;
            c.key_id = store_.current_key_id();
            result.kind = RefreshResult::Kind::refreshed;
            result.credentials = std::move(c);
            return result;
          }
          case RefreshOutcome::Kind::dead_token: {
            store_.mark_reauthorization_required(tx, account, outcome.reason, outcome.at);
            tx.commit();
            row->state = CredentialState::reauthorization_required;
            row->reauthorization_reason = outcome.reason;
            result.kind = RefreshResult::Kind::reauthorization_required;
            result.error = outcome.reason;
            result.credentials = std::move(row);
            return result;
          }
          case RefreshOutcome::Kind::transient:
          case RefreshOutcome::Kind::client_rejected:
            tx.abort();
            result.kind = outcome.kind == RefreshOutcome::Kind::transient
                              ? RefreshResult::Kind::transient_failure
                              : RefreshResult::Kind::client_rejected;
            result.error = outcome.reason;
            result.credentials = std::move(row);
            return result;
        }
        throw std::logic_error("unknown refresh outcome");
      }
      // The wait ran out: leaving the scope rolls the failed transaction back.
    }
    ++result.lock_timeouts;
    // A sibling may have finished meanwhile; otherwise wait again.
    if (auto done = settled(store_.read(account), seen_version, result)) return *done;
  }
}

}  // namespace keapsync::db
