// The request rate limiter of one credential (the engine holds one per account, so a throttled
// account never slows the others). No I/O and no clock of its own: every call takes `now`.
//
//   auto permit = limiter.acquire(clock());
//   if (!permit.granted) -> wait until permit.retry_at, then acquire again
//   ... send ...
//   2xx/4xx/5xx: limiter.observe(headers, clock());
//   429 (or ErrorClass::throttled): limiter.on_throttled(headers, clock());  // pauses everyone
//
// Windows (RateLimits): spike (per second), per-second (keys), per-minute, tenant per-minute,
// daily (00:00 UTC). Keap's x-keap-* headers only ever lower what we think is available, and adopt
// the limits and the daily reset Keap announces; garbage values are ignored.
// Not thread-safe: use it from one strand.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "keap/daily_quota.hpp"
#include "keap/rate_limits.hpp"
#include "keap/response_headers.hpp"
#include "keap/sliding_window.hpp"

namespace keapsync::keap {

struct Permit {
  bool granted = false;
  TimePoint retry_at{};  // when not granted: the earliest time a request may go
};

class RateLimiter {
 public:
  RateLimiter(RateLimits limits, TimePoint now, Random random = make_random());

  // Go (a token is taken from every bucket) or wait until retry_at (nothing taken).
  Permit acquire(TimePoint now);

  // The request granted at `granted` was written to Keap only at `reached` (a
  // new connection's handshake came first): its grant counts from then in the
  // rolling windows, so that requests Keap receives close together are never
  // more than a window allows (SlidingWindow::restamp).
  void restamp(TimePoint granted, TimePoint reached);

  // Any response but a 429: adopt what the x-keap-* headers say; ends a 429 streak.
  // `sent`: when the request left (default: now); see SlidingWindow::limit_available.
  void observe(const ResponseHeaders& headers, TimePoint now,
               std::optional<TimePoint> sent = std::nullopt);

  // A 429: pause every request until Retry-After (seconds or HTTP-date), else the expiry of the
  // exhausted window from the headers, else a backoff growing with the 429 streak; plus jitter.
  // Returns the end of the pause. `sent`: when the refused request left (default: now); one
  // sent before the previous 429 arrived belongs to the same burst and does not lengthen the
  // streak, so a burst of concurrent 429s pauses like one.
  TimePoint on_throttled(const ResponseHeaders& headers, TimePoint now,
                         std::optional<TimePoint> sent = std::nullopt);

  TimePoint paused_until() const { return paused_until_; }
  int throttled_streak() const { return streak_; }
  // For status and metrics.
  std::int64_t daily_used() const { return daily_.used(); }
  std::int64_t daily_limit() const { return daily_.limit(); }
  TimePoint daily_resets_at() const { return daily_.resets_at(); }
  std::int64_t minute_available(TimePoint now) { return minute_.available(now); }
  std::int64_t tenant_minute_available(TimePoint now) { return tenant_.available(now); }
  std::int64_t spike_per_second() const { return spike_rate_; }

 private:
  // The header corrections; returns the earliest "window frees" stamp of an exhausted bucket.
  std::optional<TimePoint> correct(const ResponseHeaders& headers, TimePoint now, TimePoint sent);
  Duration streak_backoff() const;
  void set_spike_rate(std::int64_t per_second);

  RateLimits limits_;
  Random random_;
  std::int64_t spike_rate_ = 0;
  SlidingWindow spike_;      // spike arrest: rate per second
  SlidingWindow smoothing_;  // spike arrest: spike_burst per spike_burst/rate seconds
  SlidingWindow second_;
  SlidingWindow minute_;
  SlidingWindow tenant_;
  DailyQuota daily_;
  TimePoint paused_until_{};
  int streak_ = 0;
  TimePoint last_throttled_{};  // when the latest 429 arrived
};

}  // namespace keapsync::keap
