// The daily quota window, anchored at 00:00 UTC by the injected clock.
#include "keap/daily_quota.hpp"

#include <algorithm>
#include <chrono>

namespace keapsync::keap {

using namespace std::chrono;

TimePoint DailyQuota::next_midnight_utc(TimePoint now) {
  // system_clock counts Unix time (UTC, C++20), so whole days since the epoch are UTC midnights.
  return time_point_cast<Duration>(floor<days>(now) + days(1));
}

DailyQuota::DailyQuota(std::int64_t limit, TimePoint now)
    : limit_(std::max<std::int64_t>(limit, 0)), resets_at_(next_midnight_utc(now)) {}

void DailyQuota::roll(TimePoint now) {
  if (now >= resets_at_) {
    used_ = 0;
    resets_at_ = next_midnight_utc(now);
  } else if (resets_at_ - now > hours(48)) {
    resets_at_ = next_midnight_utc(now);  // the clock went back by days: re-anchor
  }
}

TimePoint DailyQuota::ready_at(TimePoint now) {
  if (!enabled()) return now;
  roll(now);
  return used_ < limit_ ? now : resets_at_;
}

void DailyQuota::take(TimePoint now) {
  if (!enabled()) return;
  roll(now);
  ++used_;
}

void DailyQuota::correct(std::optional<std::int64_t> available, std::optional<std::int64_t> limit,
                         std::optional<TimePoint> resets_at, TimePoint now) {
  if (!enabled()) return;
  roll(now);
  if (resets_at) {
    if (*resets_at <= now) return;                   // a response from a window already over
    if (*resets_at < resets_at_ - hours(1)) return;  // an older window than ours
    if (*resets_at - now <= hours(25)) resets_at_ = *resets_at;  // Keap's word on the reset
  }
  if (limit && *limit > 0) limit_ = *limit;
  if (available) used_ = std::max(used_, limit_ - std::max<std::int64_t>(*available, 0));
}

}  // namespace keapsync::keap
