// When to try a failed contact again: exponential backoff with full jitter,
// capped, and dead after worker.max_attempts attempts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace keapsync::engine {

struct RetryDecision {
  bool give_up = false;                // the rows go dead
  std::chrono::milliseconds delay{0};  // otherwise: wait this long
};

class RetryPolicy {
 public:
  // Returns a uniformly random integer in [0, bound]; injected so tests are exact.
  using Random = std::function<std::int64_t(std::int64_t bound)>;

  RetryPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds max, int max_attempts,
              Random random);

  // The decision after the `attempt`-th failed attempt (1 for the first failure):
  // delay uniform in [0, min(max, initial * 2^(attempt-1))].
  RetryDecision after_failure(int attempt) const;

  // The upper bound of the delay after `attempt` failures.
  std::chrono::milliseconds ceiling(int attempt) const;

  int max_attempts() const { return max_attempts_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  int max_attempts_;
  Random random_;
};

// A Random drawing from a process-wide seeded generator.
RetryPolicy::Random default_random();

}  // namespace keapsync::engine
