// A fixed daily quota that resets at 00:00 UTC (docs/keap-api.md §4.1), correctable from Keap's
// x-keap-product-quota-* headers.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.hpp"

namespace keapsync::keap {

class DailyQuota {
 public:
  DailyQuota() = default;  // disabled
  DailyQuota(std::int64_t limit, TimePoint now);

  bool enabled() const { return limit_ > 0; }
  // When a request may go (now, or the reset when the day's quota is spent).
  TimePoint ready_at(TimePoint now);
  void take(TimePoint now);
  // What a response said: requests still available, the limit, the window's end. A stamp that is
  // already past or belongs to an older window marks a stale response: ignored.
  void correct(std::optional<std::int64_t> available, std::optional<std::int64_t> limit,
               std::optional<TimePoint> resets_at, TimePoint now);

  std::int64_t used() const { return used_; }
  std::int64_t limit() const { return limit_; }
  TimePoint resets_at() const { return resets_at_; }

  // The next 00:00 UTC strictly after `now`.
  static TimePoint next_midnight_utc(TimePoint now);

 private:
  void roll(TimePoint now);

  std::int64_t limit_ = 0;
  std::int64_t used_ = 0;
  TimePoint resets_at_{};
};

}  // namespace keapsync::keap
