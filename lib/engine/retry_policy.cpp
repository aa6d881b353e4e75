// Full-jitter exponential backoff (see the AWS architecture blog's "Exponential
// Backoff And Jitter": full jitter spreads retries of many workers best).
#include "engine/retry_policy.hpp"

#include <algorithm>
#include <mutex>
#include <random>

namespace keapsync::engine {

RetryPolicy::RetryPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                         int max_attempts, Random random)
    : initial_(initial), max_(max), max_attempts_(max_attempts), random_(std::move(random)) {}

std::chrono::milliseconds RetryPolicy::ceiling(int attempt) const {
  auto cap = initial_;
  for (int i = 1; i < attempt && cap < max_; ++i)
    cap *= 2;
  return std::min(cap, max_);
}

RetryDecision RetryPolicy::after_failure(int attempt) const {
  if (attempt >= max_attempts_) return {true, std::chrono::milliseconds(0)};
  return {false, std::chrono::milliseconds(random_(ceiling(attempt).count()))};
}

RetryPolicy::Random default_random() {
  return [](std::int64_t bound) {
    static std::mutex mutex;
    static std::mt19937_64 engine{std::random_device{}()};
    std::lock_guard lock(mutex);
    return std::uniform_int_distribution<std::int64_t>(0, bound)(engine);
  };
}

}  // namespace keapsync::engine
