// Every deadline of one token refresh, in the order in which they must nest:
// each wait is longer than what it waits for, so an answer Keap sends in
// time is never dropped by a shorter wait above it (valid() checks it, and
// the refresher refuses a timing that breaks the order).
#pragma once

#include <chrono>

namespace keapsync::auth {

struct RefreshTiming {
  using ms = std::chrono::milliseconds;
  // POST /token, every step included (pool wait, connect, TLS, write, read).
  ms token_call{std::chrono::seconds(60)};
  // How long the lock holder waits for that call to report: > token_call.
  ms answer_wait{std::chrono::seconds(70)};
  // idle_in_transaction_session_timeout while the row is locked: > answer_wait
  // (the server ending the session after Keap answered would lose the pair).
  ms hold_limit{std::chrono::minutes(2)};
  // One wait for a sibling's row lock; a waiter whose wait runs out re-reads
  // and waits again, never refreshes by itself.
  ms lock_wait{std::chrono::seconds(5)};
  // How long a refresh waits for a sibling in all: > token_call, so a sibling
  // that gets its answer late is still waited for.
  ms sibling_wait{std::chrono::seconds(90)};

  constexpr bool valid() const {
    return token_call.count() > 0 && answer_wait > token_call && hold_limit > answer_wait &&
           lock_wait.count() > 0 && sibling_wait > token_call;
  }
};

static_assert(RefreshTiming{}.valid());

}  // namespace keapsync::auth
