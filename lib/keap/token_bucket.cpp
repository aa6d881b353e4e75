// Rolling-window token bucket; tolerant of a clock that goes backwards.
#include "keap/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace keapsync::keap {

TokenBucket::TokenBucket(std::int64_t rate, Duration period, std::int64_t burst, TimePoint now)
    : rate_(std::max<std::int64_t>(rate, 0)),
      burst_(std::max<std::int64_t>(burst > 0 ? burst : rate, 1)),
      period_(period),
      tokens_(static_cast<double>(burst_)),
      updated_(now) {
  if (period_ <= Duration::zero()) rate_ = 0;
}

void TokenBucket::refill(TimePoint now) {
  if (now <= updated_) {
    updated_ = std::min(updated_, now);  // a clock going back refills nothing
    return;
  }
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  const double per_second =
      static_cast<double>(rate_) / std::chrono::duration<double>(period_).count();
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed * per_second);
  updated_ = now;
}

TimePoint TokenBucket::ready_at(TimePoint now) {
  if (!enabled()) return now;
  refill(now);
  if (tokens_ >= 1.0) return now;
  const double per_second =
      static_cast<double>(rate_) / std::chrono::duration<double>(period_).count();
  const double wait = (1.0 - tokens_) / per_second;
  return now + std::chrono::ceil<Duration>(std::chrono::duration<double>(wait));
}

void TokenBucket::take(TimePoint now) {
  if (!enabled()) return;
  refill(now);
  tokens_ = std::max(tokens_ - 1.0, 0.0);
}

void TokenBucket::limit_available(std::int64_t available, TimePoint now) {
  if (!enabled()) return;
  refill(now);
  tokens_ = std::min(tokens_, static_cast<double>(std::max<std::int64_t>(available, 0)));
}

void TokenBucket::set_rate(std::int64_t rate, TimePoint now) {
  if (!enabled() || rate <= 0 || rate == rate_) return;
  refill(now);
  if (burst_ == rate_) burst_ = rate;
  rate_ = rate;
  tokens_ = std::min(tokens_, static_cast<double>(burst_));
}

void TokenBucket::set_burst(std::int64_t burst, TimePoint now) {
  if (!enabled() || burst <= 0) return;
  refill(now);
  burst_ = burst;
  tokens_ = std::min(tokens_, static_cast<double>(burst_));
}

double TokenBucket::available(TimePoint now) {
  if (!enabled()) return 0;
  refill(now);
  return tokens_;
}

}  // namespace keapsync::keap
