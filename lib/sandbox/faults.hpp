// Fault injection, socket-free: decides per request whether to answer with a
// 5xx, drop the connection, or delay; seeded, so tests are reproducible.
#pragma once

#include <chrono>
#include <random>
#include <string>

#include "sandbox/sandbox_config.hpp"

namespace keapsync::sandbox {

class Faults {
 public:
  struct Decision {
    bool drop = false;
    int error_status = 0;  // 0: answer normally
    std::chrono::milliseconds delay{0};
    bool delay_first = false;  // wait before the request takes effect
  };

  explicit Faults(SandboxConfig::Faults settings);

  void set(const SandboxConfig::Faults& settings);
  const SandboxConfig::Faults& settings() const { return settings_; }

  // `route` as the stats name it ("POST /rest/v2/tags/{id}/contacts:applyTags").
  Decision decide(const std::string& route, bool token_endpoint);

 private:
  SandboxConfig::Faults settings_;
  std::mt19937_64 rng_;
};

}  // namespace keapsync::sandbox
