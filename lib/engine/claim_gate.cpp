// The claim gate's two rules.
#include "engine/claim_gate.hpp"

#include <algorithm>

namespace keapsync::engine {

int ClaimGate::worth(int capacity) {
  return std::max(1, capacity / 8);
}

std::chrono::milliseconds ClaimGate::wait(int open, int in_flight, int capacity,
                                          std::chrono::steady_clock::duration gathering) {
  if (open <= 0) return kGather;
  if (in_flight == 0 || open >= worth(capacity)) return std::chrono::milliseconds(0);
  const auto left = kGather - std::chrono::duration_cast<std::chrono::milliseconds>(gathering);
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace keapsync::engine
