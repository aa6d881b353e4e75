// The documented Keap request limits of one credential (docs/keap-api.md §4.1), and the 429
// backoff.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/clock.hpp"

namespace keapsync::keap {

// A count of 0 disables that window. Rolling windows are capped at SlidingWindow::kMaxLimit.
struct RateLimits {
  // Apigee spike arrest, both credential kinds: 25/s in any second, and (since spike arrest
  // smooths bursts) at most spike_burst per spike_burst/spike_per_second seconds (10 per 400 ms).
  std::int64_t spike_per_second = 25;
  std::int64_t spike_burst = 10;
  std::int64_t per_second = 0;             // PAT/SAK: 10
  std::int64_t per_minute = 1500;          // OAuth: per client id; PAT/SAK: 240 (rolling window)
  std::int64_t per_day = 150000;           // OAuth 150,000; PAT/SAK 30,000; resets 00:00 UTC
  std::int64_t tenant_per_minute = 10000;  // per Keap app, any credential (from 2026-06-08)

  // 429 without Retry-After or a usable expiry header: min(max, initial * 2^(n-1)) for the n-th
  // 429 in a row; every pause gets up to max(jitter, 10% of the pause) added at random.
  Duration throttle_backoff_initial = std::chrono::seconds(2);
  Duration throttle_backoff_max = std::chrono::seconds(60);
  Duration jitter = std::chrono::seconds(1);
  // No pause is longer than this, whatever a header says (a daily window is at most 24 h).
  Duration max_pause = std::chrono::hours(25);

  static RateLimits oauth() { return {}; }
  static RateLimits api_key() {
    RateLimits l;
    l.per_second = 10;
    l.per_minute = 240;
    l.per_day = 30000;
    return l;
  }
};

// The lowest of two credentials' limits, window by window (0 is no limit):
// what two accounts sharing one OAuth client may send together.
RateLimits lowest(const RateLimits& a, const RateLimits& b);

// Little's law: the calls that must be in flight to send at the highest rate
// `limits` allow for a minute when each call takes `latency`; at least 1.
int calls_in_flight(const RateLimits& limits, Duration latency);

}  // namespace keapsync::keap
