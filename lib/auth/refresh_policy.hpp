// Tunables of the token refresh schedule, defaults where declared (docs/keap-api.md §1.4, §1.5,
// §9).
#pragma once

#include <chrono>

#include "base/clock.hpp"

namespace keapsync::auth {

struct RefreshPolicy {
  // Refresh when this fraction of expires_in has passed (never assume 24 h: Keap sent 8 h once).
  double refresh_fraction = 0.75;
  // Refresh at least this often, whatever expires_in says: refresh tokens age out after ~45 days.
  Duration max_interval = std::chrono::hours(24 * 30);
  // Never schedule the next refresh sooner than this after the last one (guards against
  // expires_in of 0 or garbage causing a refresh loop).
  Duration min_interval = std::chrono::minutes(1);
  // Transient token-endpoint failures: full jitter over min(backoff_max, backoff_initial * 2^n),
  // but never less than backoff_floor (a zero draw must not make a tight loop).
  Duration backoff_initial = std::chrono::seconds(5);
  Duration backoff_max = std::chrono::minutes(10);
  Duration backoff_floor = std::chrono::seconds(1);
  // After a 4xx that is neither a dead token nor bad client credentials (our request is wrong):
  // try again this much later, not sooner.
  Duration rejected_retry = std::chrono::hours(1);
  // That many rejected answers in a row block the account (refresh_rejected): a person must
  // look (the access token is used until it expires; a new authorization lifts the block).
  int max_rejected = 3;
  // A 401 on an API call forces a refresh only if the tokens are at least this old; a token that
  // is younger and still refused will not be helped by another refresh (no refresh storm).
  Duration min_forced_age = std::chrono::minutes(1);
};

}  // namespace keapsync::auth
