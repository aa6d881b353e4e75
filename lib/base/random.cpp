// The real jitter source: a Mersenne Twister seeded from the OS.
#include "base/random.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace keapsync {

Random make_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

double unit(const Random& random) {
  if (!random) return 0.5;
  const double v = random();
  if (!std::isfinite(v)) return 0.5;
  return std::clamp(v, 0.0, 1.0);
}

}  // namespace keapsync
