// Combining and sizing request limits.
#include "keap/rate_limits.hpp"

#include <algorithm>
#include <cmath>

namespace keapsync::keap {
namespace {

std::int64_t lower(std::int64_t a, std::int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

RateLimits lowest(const RateLimits& a, const RateLimits& b) {
  RateLimits out = a;
  out.spike_per_second = lower(a.spike_per_second, b.spike_per_second);
  out.spike_burst = lower(a.spike_burst, b.spike_burst);
  out.per_second = lower(a.per_second, b.per_second);
  out.per_minute = lower(a.per_minute, b.per_minute);
  out.per_day = lower(a.per_day, b.per_day);
  out.tenant_per_minute = lower(a.tenant_per_minute, b.tenant_per_minute);
  return out;
}

int calls_in_flight(const RateLimits& limits, Duration latency) {
  double per_second = 0;  // the sustained rate: the lowest window that limits it
  const auto consider = [&](std::int64_t count, double seconds) {
    if (count <= 0) return;
    const double rate = static_cast<double>(count) / seconds;
    per_second = per_second == 0 ? rate : std::min(per_second, rate);
  };
  consider(limits.spike_per_second, 1);
  consider(limits.per_second, 1);
  consider(limits.per_minute, 60);
  consider(limits.tenant_per_minute, 60);
  if (per_second == 0) return 1;
  const double seconds = std::chrono::duration<double>(latency).count();
  return std::max(1, static_cast<int>(std::ceil(per_second * seconds - 1e-9)));
}

}  // namespace keapsync::keap
