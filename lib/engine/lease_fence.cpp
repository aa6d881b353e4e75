// The fence of one lease.
#include "engine/lease_fence.hpp"

#include <algorithm>

namespace keapsync::engine {

LeaseFence::LeaseFence(SteadyTime sent, Millis lease)
    : lease_(lease), until_(sent + lease - kMargin) {}

void LeaseFence::renewed(SteadyTime sent) {
  until_ = std::max(until_, sent + lease_ - kMargin);
}

void LeaseFence::revoke() {
  revoked_ = true;
}

std::optional<LeaseFence::SteadyTime> LeaseFence::call_deadline(SteadyTime now) const {
  if (revoked_) return std::nullopt;
  const auto end = std::min(until_, now + call_limit(lease_));
  if (end - now < kMinCall) return std::nullopt;
  return end;
}

}  // namespace keapsync::engine
