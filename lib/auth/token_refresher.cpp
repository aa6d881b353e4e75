// The refresh coordinator: row lock, re-read, journal, one token call, commit.
#include "auth/token_refresher.hpp"

#include <stdexcept>

#include "db/credential_lock.hpp"

namespace keapsync::auth {
namespace {

// The result when the stored row already answers the caller, without a token
// call: a newer pair, a dead chain, or nothing to refresh with.
std::optional<RefreshResult> settled(const std::optional<db::StoredCredentials>& row,
                                     std::int64_t seen_version, RefreshResult result) {
  using Kind = RefreshResult::Kind;
  if (!row || row->refresh_token.empty()) {
    result.kind = Kind::no_credentials;
  } else if (row->state == db::CredentialState::reauthorization_required) {
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

std::string dead_token_reason(const std::optional<db::RefreshAttempt>& prior, std::int64_t version,
                              const std::string& keap_reason) {
  if (!prior || prior->version != version) return keap_reason;
  const std::string when = db::iso_time(prior->started_at);
  if (prior->outcome.empty()) {
    return keap_reason + " — the refresh token had already been sent at " + when +
           " by a refresh that never finished (the process was killed or lost the database "
           "before storing Keap's answer): Keap rotated it then";
  }
  if (prior->outcome == "answer_lost") {
    return keap_reason + " — the refresh token had already been sent at " + when +
           " by a refresh whose answer was lost (connection dropped or deadline passed after "
           "the request): Keap rotated it then";
  }
  if (prior->outcome == "unsaved") {
    return keap_reason + " — the refresh token was spent at " + when +
           " by a refresh whose new pair could not be stored";
  }
  return keap_reason;
}

TokenRefresher::TokenRefresher(db::TokenStore& store, db::RefreshJournal& journal,
                               RefreshTiming timing, Clock clock)
    : store_(store), journal_(journal), timing_(timing), clock_(std::move(clock)) {
  if (!timing_.valid()) {
    throw std::invalid_argument(
        "RefreshTiming: every wait must exceed what it waits for (token_call + commit_margin < "
        "hold_limit and < sibling_wait)");
  }
}

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
    auto lock = db::CredentialLock::acquire(store_, account, std::min(timing_.lock_wait, remaining),
                                            timing_.hold_limit);
    if (lock) {
      // Re-read under the lock: the pair may have changed while we waited.
      if (auto done = settled(lock->row(), seen_version, result)) {
        lock->release();
        return *done;
      }
      return call_locked(account, *lock, fn, std::move(result));
    }
    ++result.lock_timeouts;
    // A sibling may have finished meanwhile; otherwise wait again.
    if (auto done = settled(store_.read(account), seen_version, result)) return *done;
  }
}

RefreshResult TokenRefresher::call_locked(const std::string& account, db::CredentialLock& lock,
                                          const RefreshFn& fn, RefreshResult result) {
  const db::StoredCredentials& row = *lock.row();
  // Read before this attempt overwrites it: it may forbid the call, and it
  // explains a dead token.
  const auto prior = journal_.last(account);
  if (prior && prior->version == row.version &&
      ((prior->outcome.empty() && prior->age < timing_.attempt_window()) ||
       (prior->outcome == "unsaved" && prior->age < kUnsavedWindow))) {
    // Our lock may only exist because the holder's session was ended (killed,
    // timed out): its request may still be answered, its pair still stored.
    // Sending the same refresh token now would spend it a second time.
    lock.release();
    result.kind = RefreshResult::Kind::transient_failure;
    result.error = "another process refreshed this pair " +
                   std::to_string(prior->age.count() / 1000) +
                   " s ago and may still store "
                   "Keap's answer: its refresh token is not sent again yet";
    return result;
  }
  // Durable before the refresh token leaves; a failure here sends nothing.
  journal_.started(account, row.version);
  result.called_token_endpoint = true;
  TokenResult answer;
  try {
    answer = fn(row.refresh_token);
  } catch (...) {
    // Nothing will store an answer now; it may have been sent.
    journal_.finished(account, row.version, "answer_lost");
    throw;
  }
  const auto now = clock_();
  result.credentials = row;
  if (const auto* grant = std::get_if<TokenGrant>(&answer)) {
    // A grant without a refresh_token keeps the one that was sent.
    const db::TokenPair tokens{
        grant->access_token,
        grant->refresh_token.empty() ? row.refresh_token : grant->refresh_token, now,
        now + grant->expires_in, grant->scope};
    db::StoredCredentials next = row;
    next.access_token = tokens.access_token;
    next.refresh_token = tokens.refresh_token;
    next.issued_at = tokens.issued_at;
    next.expires_at = tokens.expires_at;
    next.scope = tokens.scope;
    next.state = db::CredentialState::ok;
    next.reauthorization_reason.clear();
    next.key_id = store_.current_key_id();
    // Keap has rotated: the old refresh token is dead and the new pair
    // exists only here until this commit. Nothing happens before it (no
    // log, no use of the access token). When it fails the pair is handed
    // back unsaved, never dropped: the caller keeps it and writes it on a
    // fresh connection (TokenStore::save_rotated).
    try {
      next.version = lock.replace(tokens);
      result.kind = RefreshResult::Kind::refreshed;
      journal_.finished(account, row.version, "refreshed");
    } catch (const std::exception& e) {
      next.version = row.version + 1;
      result.kind = RefreshResult::Kind::refreshed_unsaved;
      result.error = std::string("storing the new pair failed: ") + e.what();
      journal_.finished(account, row.version, "unsaved");
    }
    result.credentials = std::move(next);
    return result;
  }
  const auto& error = std::get<TokenError>(answer);
  if (error.kind == TokenErrorKind::dead_refresh_token) {
    const auto reason = dead_token_reason(prior, row.version, error.message);
    lock.mark_reauthorization_required(reason, now);
    journal_.finished(account, row.version, "dead");
    result.credentials->state = db::CredentialState::reauthorization_required;
    result.credentials->reauthorization_reason = reason;
    result.kind = RefreshResult::Kind::reauthorization_required;
    result.error = reason;
    return result;
  }
  // Keap did not take the refresh token (or its answer is unknown): nothing changes.
  lock.release();
  journal_.finished(account, row.version, error.may_have_rotated ? "answer_lost" : "failed");
  result.kind = error.kind == TokenErrorKind::bad_client_credentials
                    ? RefreshResult::Kind::client_rejected
                : error.kind == TokenErrorKind::rejected ? RefreshResult::Kind::rejected
                                                         : RefreshResult::Kind::transient_failure;
  result.error = error.message;
  result.may_have_rotated = error.may_have_rotated;
  return result;
}

}  // namespace keapsync::auth
