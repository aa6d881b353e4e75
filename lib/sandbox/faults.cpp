// Fault decisions for the sandbox.
#include "sandbox/faults.hpp"

namespace keapsync::sandbox {

Faults::Faults(SandboxConfig::Faults settings) {
  set(settings);
}

void Faults::set(const SandboxConfig::Faults& settings) {
  settings_ = settings;
  rng_.seed(settings.seed);
}

Faults::Decision Faults::decide(const std::string& route, bool token_endpoint) {
  Decision d;
  if (token_endpoint) d.delay = settings_.token_delay;
  if (!settings_.route.empty() && settings_.route != route) return d;
  d.delay_first = settings_.apply_after_latency;
  std::uniform_real_distribution<double> share(0.0, 1.0);
  if (settings_.drop_rate > 0 && share(rng_) < settings_.drop_rate) {
    d.drop = true;
    return d;
  }
  if (settings_.error_rate > 0 && share(rng_) < settings_.error_rate)
    d.error_status = settings_.error_status;
  d.delay += settings_.latency;
  if (settings_.jitter.count() > 0) {
    std::uniform_int_distribution<long long> jitter(0, settings_.jitter.count());
    d.delay += std::chrono::milliseconds{jitter(rng_)};
  }
  return d;
}

}  // namespace keapsync::sandbox
