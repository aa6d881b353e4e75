// Keap-like rate limiting and its response headers (docs/keap-api.md §4).
#include "sandbox/rate_limiter.hpp"

#include <algorithm>

namespace keapsync::sandbox {
namespace {

constexpr int kRollingBuckets = 10;

std::string time_unit(std::chrono::seconds window) {
  if (window.count() % 86400 == 0) return "day";
  if (window.count() % 60 == 0) return "minute";
  return "second";
}

std::string interval(std::chrono::seconds window) {
  auto s = window.count();
  if (s % 86400 == 0) return std::to_string(s / 86400);
  if (s % 60 == 0) return std::to_string(s / 60);
  return std::to_string(s);
}

}  // namespace

RateLimiter::Window::Window(SandboxConfig::Limit limit, int buckets)
    : limit_(limit),
      width_ms_(std::max<std::int64_t>(1, limit.window.count() * 1000 / buckets)),
      slots_(static_cast<std::size_t>(buckets), {-1, 0}) {}

std::uint64_t RateLimiter::Window::used(std::int64_t now_ms) {
  if (slots_.empty()) return 0;
  auto current = now_ms / width_ms_;
  auto n = static_cast<std::int64_t>(slots_.size());
  std::uint64_t sum = 0;
  for (auto& [index, count] : slots_)
    if (index > current - n && index <= current) sum += count;
  return sum;
}

void RateLimiter::Window::add(std::int64_t now_ms) {
  if (slots_.empty()) return;
  auto current = now_ms / width_ms_;
  auto& slot = slots_[static_cast<std::size_t>(current % static_cast<std::int64_t>(slots_.size()))];
  if (slot.first != current) slot = {current, 0};
  ++slot.second;
}

std::int64_t RateLimiter::Window::reset_ms(std::int64_t now_ms) const {
  auto window_ms = limit_.window.count() * 1000;
  return (now_ms / window_ms + 1) * window_ms;
}

RateLimiter::RateLimiter(SandboxConfig::RateLimits limits, std::string tenant_id)
    : tenant_id_(std::move(tenant_id)) {
  set_limits(limits);
}

void RateLimiter::set_limits(const SandboxConfig::RateLimits& limits) {
  limits_ = limits;
  buckets_.clear();
  tenant_quota_ = Window(limits.tenant_quota, 1);
  tenant_throttle_ = Window(limits.tenant_throttle, kRollingBuckets);
}

RateLimiter::Bucket& RateLimiter::bucket_for(Credential kind, const std::string& credential) {
  auto key = std::pair{kind, credential};
  auto it = buckets_.find(key);
  if (it != buckets_.end()) return it->second;
  Bucket b;
  if (kind == Credential::OAuth) {
    b = Bucket{Window(limits_.oauth_quota, 1), Window(limits_.oauth_throttle, kRollingBuckets),
               Window(limits_.oauth_spike, kRollingBuckets)};
  } else {
    b = Bucket{Window(limits_.key_quota, 1), Window(limits_.key_throttle, kRollingBuckets),
               Window(limits_.key_spike, kRollingBuckets)};
  }
  return buckets_.emplace(key, std::move(b)).first->second;
}

void RateLimiter::add_headers(Headers& h, const std::string& prefix, Window& w, std::int64_t now_ms,
                              bool with_expiry) {
  const auto& l = w.limit();
  if (l.limit == 0) return;
  auto used = w.used(now_ms);
  h.emplace_back(prefix + "-limit", std::to_string(l.limit));
  h.emplace_back(prefix + "-time-unit", time_unit(l.window));
  h.emplace_back(prefix + "-interval", interval(l.window));
  h.emplace_back(prefix + "-available", std::to_string(used >= l.limit ? 0 : l.limit - used));
  h.emplace_back(prefix + "-used", std::to_string(used));
  if (with_expiry) h.emplace_back(prefix + "-expiry-time", std::to_string(w.reset_ms(now_ms)));
}

RateLimiter::Decision RateLimiter::check(Credential kind, const std::string& credential,
                                         TimePoint now) {
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  Bucket& b = bucket_for(kind, credential);
  Window* windows[] = {&b.quota, &b.throttle, &b.spike, &tenant_quota_, &tenant_throttle_};
  Decision d;
  for (Window* w : windows)
    if (w->limit().limit != 0 && w->used(now_ms) >= w->limit().limit) d.allowed = false;
  for (Window* w : windows)
    w->add(now_ms);

  add_headers(d.headers, "x-keap-product-quota", b.quota, now_ms, true);
  add_headers(d.headers, "x-keap-product-throttle", b.throttle, now_ms, false);
  const auto& spike = b.spike.limit();
  std::string spike_value;
  if (spike.limit != 0) {
    spike_value = std::to_string(spike.limit) + "p" +
                  (spike.window.count() == 1 ? "" : std::to_string(spike.window.count())) + "s";
  }
  d.headers.emplace_back("x-keap-product-spike-limit", spike_value);
  d.headers.emplace_back("x-keap-tenant-id", tenant_id_);
  add_headers(d.headers, "x-keap-tenant-throttle", tenant_throttle_, now_ms, false);
  // The tenant's daily quota is enforced but has no documented headers.
  return d;
}

}  // namespace keapsync::sandbox
