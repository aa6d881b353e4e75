// Keap rate limiting: local buckets seeded from the documented limits, corrected by headers.
#include "keap/rate_limiter.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "ascii/ascii.hpp"
#include "keap/retry_after.hpp"

namespace keapsync::keap {
namespace {

using namespace std::chrono;

// Limits above this are garbage (Keap's largest is 250,000/day).
constexpr std::int64_t kMaxSaneLimit = 100'000'000;

std::optional<std::int64_t> count_header(const ResponseHeaders& h, const std::string& name) {
  const auto v = h.get(name);
  if (!v) return std::nullopt;
  const auto n = parse_count(*v);
  if (!n || *n > kMaxSaneLimit) return std::nullopt;
  return n;
}

// One x-keap-<prefix>-* header group (limit, available, time-unit, interval, expiry-time).
struct Group {
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> available;
  std::optional<TimePoint> expiry;
  bool present = false;
};

// Reads a group; if it announces a window other than `unit` (e.g. "minute"), it is ignored, since
// its numbers would then describe a bucket we do not model.
Group read_group(const ResponseHeaders& h, const std::string& prefix, std::string_view unit) {
  Group g;
  if (const auto u = h.get(prefix + "-time-unit"); u && !u->empty() && ascii::to_lower(*u) != unit)
    return g;
  if (const auto i = count_header(h, prefix + "-interval"); i && *i != 1) return g;
  g.limit = count_header(h, prefix + "-limit");
  if (g.limit && *g.limit == 0) g.limit.reset();
  g.available = count_header(h, prefix + "-available");
  if (const auto e = h.get(prefix + "-expiry-time")) g.expiry = parse_epoch_stamp(*e);
  g.present = g.limit || g.available || g.expiry;
  return g;
}

// x-keap-product-spike-limit: "10ps" (requests per second); empty or other forms are ignored.
std::optional<std::int64_t> spike_limit(const ResponseHeaders& h) {
  const auto v = h.get("x-keap-product-spike-limit");
  if (!v || v->size() < 3) return std::nullopt;
  const std::string s = ascii::to_lower(*v);
  if (s.substr(s.size() - 2) != "ps") return std::nullopt;
  const auto n = parse_count(std::string_view(s).substr(0, s.size() - 2));
  if (!n || *n == 0 || *n > 10000) return std::nullopt;
  return n;
}

Duration scaled(Duration d, double factor) {
  return duration_cast<Duration>(duration<double, Duration::period>(d.count() * factor));
}

}  // namespace

RateLimiter::RateLimiter(RateLimits limits, TimePoint now, Random random)
    : limits_(limits),
      random_(std::move(random)),
      second_(limits.per_second, seconds(1)),
      minute_(limits.per_minute, minutes(1)),
      tenant_(limits.tenant_per_minute, minutes(1)),
      daily_(limits.per_day, now) {
  set_spike_rate(limits.spike_per_second);
}

void RateLimiter::set_spike_rate(std::int64_t per_second) {
  if (per_second <= 0 || per_second == spike_rate_) return;
  spike_rate_ = per_second;
  spike_ = SlidingWindow(per_second, seconds(1));
  // Plus `burst` requests per burst/rate seconds: the same rate, without a full second's burst.
  const std::int64_t burst = std::clamp<std::int64_t>(
      limits_.spike_burst > 0 ? limits_.spike_burst : per_second, 1, per_second);
  const auto window = duration_cast<Duration>(
      duration<double>(static_cast<double>(burst) / static_cast<double>(per_second)));
  smoothing_ = burst < per_second ? SlidingWindow(burst, window) : SlidingWindow();
}

Permit RateLimiter::acquire(TimePoint now) {
  TimePoint ready = std::max(now, paused_until_);
  ready = std::max(ready, spike_.ready_at(now));
  ready = std::max(ready, smoothing_.ready_at(now));
  ready = std::max(ready, second_.ready_at(now));
  ready = std::max(ready, minute_.ready_at(now));
  ready = std::max(ready, tenant_.ready_at(now));
  ready = std::max(ready, daily_.ready_at(now));
  if (ready > now) return {false, ready};
  spike_.take(now);
  smoothing_.take(now);
  second_.take(now);
  minute_.take(now);
  tenant_.take(now);
  daily_.take(now);
  return {true, now};
}

std::optional<TimePoint> RateLimiter::correct(const ResponseHeaders& headers, TimePoint now,
                                              TimePoint sent) {
  std::optional<TimePoint> frees_at;
  const auto exhausted = [&](const Group& g) {
    if (g.available && *g.available == 0 && g.expiry && *g.expiry > now)
      frees_at = frees_at ? std::max(*frees_at, *g.expiry) : *g.expiry;
  };

  const Group quota = read_group(headers, "x-keap-product-quota", "day");
  if (quota.present) daily_.correct(quota.available, quota.limit, quota.expiry, now);
  exhausted(quota);

  const Group throttle = read_group(headers, "x-keap-product-throttle", "minute");
  if (throttle.limit) minute_.set_limit(*throttle.limit);
  if (throttle.available) minute_.limit_available(*throttle.available, now, sent);
  exhausted(throttle);

  const Group tenant = read_group(headers, "x-keap-tenant-throttle", "minute");
  if (tenant.limit) tenant_.set_limit(*tenant.limit);
  if (tenant.available) tenant_.limit_available(*tenant.available, now, sent);
  exhausted(tenant);

  if (const auto spike = spike_limit(headers)) set_spike_rate(*spike);
  return frees_at;
}

void RateLimiter::restamp(TimePoint granted, TimePoint reached) {
  for (SlidingWindow* w : {&spike_, &smoothing_, &second_, &minute_, &tenant_})
    w->restamp(granted, reached);
}

void RateLimiter::observe(const ResponseHeaders& headers, TimePoint now,
                          std::optional<TimePoint> sent) {
  correct(headers, now, sent.value_or(now));
  streak_ = 0;
}

Duration RateLimiter::streak_backoff() const {
  Duration d = limits_.throttle_backoff_initial;
  for (int i = 1; i < streak_ && d < limits_.throttle_backoff_max; ++i)
    d *= 2;
  return std::min(d, limits_.throttle_backoff_max);
}

TimePoint RateLimiter::on_throttled(const ResponseHeaders& headers, TimePoint now,
                                    std::optional<TimePoint> sent) {
  if (streak_ == 0 || sent.value_or(now) >= last_throttled_) ++streak_;
  last_throttled_ = now;
  const std::optional<TimePoint> frees_at = correct(headers, now, sent.value_or(now));

  std::optional<TimePoint> retry_after;
  if (const auto ra = headers.get("retry-after")) retry_after = parse_retry_after(*ra, now);
  // Keap's word first (Retry-After, unconfirmed but honoured), then the exhausted window's end.
  TimePoint until = retry_after ? *retry_after : frees_at ? *frees_at : now + streak_backoff();
  until = std::min(until, now + limits_.max_pause);

  // Jitter spreads the restart of several workers and daemons sharing one credential.
  const Duration jitter_span = std::max(limits_.jitter, (until - now) / 10);
  until += scaled(jitter_span, unit(random_));
  paused_until_ = std::max(paused_until_, until);
  return paused_until_;
}

}  // namespace keapsync::keap
