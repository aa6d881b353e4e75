// A rolling-window request limit: at most `limit` grants in any `window`, exactly (a log of grant
// times). Keap's per-second and per-minute windows are rolling (Apigee); a token bucket holding
// `limit` tokens would let up to twice the limit through in one rolling window, and Keap would
// answer the excess with 429. Memory: one time point per grant still inside the window.
#pragma once

#include <cstdint>
#include <deque>

#include "base/clock.hpp"
#include "config/config.hpp"

namespace keapsync::keap {

class SlidingWindow {
 public:
  // Largest limit accepted (from config or a header): bounds the log's memory.
  static constexpr std::int64_t kMaxLimit = 100'000;
  static_assert(kMaxLimit >= config::kMaxRequestsPerMinute, "a configured limit must fit");

  SlidingWindow() = default;  // disabled: always ready
  SlidingWindow(std::int64_t limit, Duration window);

  bool enabled() const { return limit_ > 0; }
  // When one more grant fits in the window (now if it fits already).
  TimePoint ready_at(TimePoint now);
  // Records a grant (call only when ready_at(now) <= now).
  void take(TimePoint now);
  // A server said only `available` remain when the request sent at `sent` reached it: never
  // believe we have more. Grants after `sent` were still on their way, so it did not count
  // them; the missing ones are counted as granted at `sent`.
  void limit_available(std::int64_t available, TimePoint now, TimePoint sent);
  // The grant taken at `granted` reached the server only at `reached` (after a
  // connection's handshake, say): it counts from then, or a request sent a
  // window after it on a warm connection could reach the server inside the
  // same window. A grant already expired counts again from `reached`; no-op
  // for a `reached` not later than `granted`.
  void restamp(TimePoint granted, TimePoint reached);
  // A server announced the limit: adopt it (ignored when 0 or above kMaxLimit).
  void set_limit(std::int64_t limit);

  std::int64_t available(TimePoint now);
  std::int64_t limit() const { return limit_; }

 private:
  void expire(TimePoint now);

  std::int64_t limit_ = 0;
  Duration window_{};
  struct Grant {
    TimePoint at;
    bool ours = true;  // false: another client's, learned from a server's remainder
  };
  std::deque<Grant> grants_;  // oldest first
};

}  // namespace keapsync::keap
