// Every deadline of one token refresh, in the order in which they must nest:
// each wait is longer than what it waits for, so an answer Keap sends in time
// is never dropped by a shorter wait above it (valid() checks it, and the
// refresher refuses a timing that breaks the order).
#pragma once

#include <chrono>

namespace keapsync::auth {

struct RefreshTiming {
  using ms = std::chrono::milliseconds;
  // POST /token, every step included (pool wait, connect, TLS, write, read),
  // counted from before the call is handed to the event loop. The lock holder
  // waits for its answer without a limit of its own: this deadline ends it.
  ms token_call{std::chrono::seconds(60)};
  // What storing the answer may take after the call ended (the UPDATE, the
  // commit, the journal): the margin every outer wait adds to token_call.
  ms commit_margin{std::chrono::seconds(15)};
  // idle_in_transaction_session_timeout while the row is locked: the server
  // ends a hung holder's session, never one still waiting for Keap.
  ms hold_limit{std::chrono::minutes(2)};
  // One wait for a sibling's row lock; a waiter whose wait runs out re-reads
  // and waits again, never refreshes by itself.
  ms lock_wait{std::chrono::seconds(5)};
  // How long a refresh waits for a sibling in all: a sibling that gets its
  // answer at the last moment is still waited for.
  ms sibling_wait{std::chrono::seconds(90)};

  // How long after an attempt started its holder may still store Keap's
  // answer: a sibling does not send the same refresh token before then.
  constexpr ms attempt_window() const { return token_call + commit_margin; }

  constexpr bool valid() const {
    return token_call.count() > 0 && commit_margin.count() > 0 && lock_wait.count() > 0 &&
           hold_limit > attempt_window() && sibling_wait > attempt_window();
  }
};

static_assert(RefreshTiming{}.valid());

}  // namespace keapsync::auth
