// Keap's throttling, socket-free: per-credential quota (fixed window, the day
// resets at 00:00 UTC), per-credential throttle and spike arrest (rolling
// windows), a per-tenant throttle and quota; produces Keap's x-keap-* headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/sandbox_config.hpp"

namespace keapsync::sandbox {

class RateLimiter {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Headers = std::vector<std::pair<std::string, std::string>>;
  enum class Credential { OAuth, ApiKey };

  struct Decision {
    bool allowed = true;
    Headers headers;
  };

  RateLimiter(SandboxConfig::RateLimits limits, std::string tenant_id);

  void set_limits(const SandboxConfig::RateLimits& limits);

  // Counts one request by `credential` (client id or key) at `now`. Refused
  // requests count too (stricter reading: hammering keeps the window full).
  Decision check(Credential kind, const std::string& credential, TimePoint now);

 private:
  // `buckets` == 1: a fixed window aligned to the epoch; more: rolling.
  class Window {
   public:
    Window() = default;
    Window(SandboxConfig::Limit limit, int buckets);
    std::uint64_t used(std::int64_t now_ms);
    void add(std::int64_t now_ms);
    std::int64_t reset_ms(std::int64_t now_ms) const;  // end of the current fixed window
    const SandboxConfig::Limit& limit() const { return limit_; }

   private:
    SandboxConfig::Limit limit_;
    std::int64_t width_ms_ = 1000;
    std::vector<std::pair<std::int64_t, std::uint64_t>> slots_;  // (bucket index, count)
  };
  struct Bucket {
    Window quota, throttle, spike;
  };

  Bucket& bucket_for(Credential kind, const std::string& credential);
  static void add_headers(Headers& h, const std::string& prefix, Window& w, std::int64_t now_ms,
                          bool with_expiry);

  SandboxConfig::RateLimits limits_;
  std::string tenant_id_;
  std::map<std::pair<Credential, std::string>, Bucket> buckets_;
  Window tenant_quota_, tenant_throttle_;
};

}  // namespace keapsync::sandbox
