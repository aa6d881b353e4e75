// A token bucket for a rolling window: `rate` requests per `period`, refilled evenly, holding at
// most `burst`. Keap's minute windows are rolling (Apigee), so a steady refill models them.
#pragma once

#include <cstdint>

#include "keap/clock.hpp"

namespace keapsync::keap {

class TokenBucket {
 public:
  TokenBucket() = default;  // disabled: always has a token
  TokenBucket(std::int64_t rate, Duration period, std::int64_t burst, TimePoint now);

  bool enabled() const { return rate_ > 0; }
  // When the bucket holds a whole token (now if it does).
  TimePoint ready_at(TimePoint now);
  // Takes one token (call only when ready_at(now) <= now).
  void take(TimePoint now);
  // A server said only `available` remain: never believe we have more.
  void limit_available(std::int64_t available, TimePoint now);
  // A server said the limit is `rate` per period: adopt it (burst follows when it equalled rate).
  void set_rate(std::int64_t rate, TimePoint now);
  void set_burst(std::int64_t burst, TimePoint now);

  double available(TimePoint now);
  std::int64_t rate() const { return rate_; }
  std::int64_t burst() const { return burst_; }

 private:
  void refill(TimePoint now);

  std::int64_t rate_ = 0;
  std::int64_t burst_ = 0;
  Duration period_{};
  double tokens_ = 0;
  TimePoint updated_{};
};

}  // namespace keapsync::keap
