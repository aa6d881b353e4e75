// The fence of a lease on a steady clock given by hand: it ends before the
// database's lease by construction, moves with renewals, bounds each call.
#include <gtest/gtest.h>

#include "engine/lease_fence.hpp"

namespace keapsync::engine {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using T = LeaseFence::SteadyTime;

const T t0 = T(seconds(1000));

TEST(LeaseFence, EndsAMarginBeforeTheLeaseCountedFromTheClaimBeingSent) {
  const LeaseFence fence(t0, seconds(30));
  EXPECT_TRUE(fence.held(t0 + seconds(29)));
  EXPECT_FALSE(fence.held(t0 + seconds(30) - LeaseFence::kMargin));
}

TEST(LeaseFence, ACallGetsHalfTheLeaseAtMostAndNeverOutlivesTheFence) {
  const LeaseFence fence(t0, seconds(30));
  EXPECT_EQ(fence.call_deadline(t0), t0 + seconds(15));
  // 20 s in: 9.5 s remain before the fence.
  EXPECT_EQ(fence.call_deadline(t0 + seconds(20)), t0 + seconds(30) - LeaseFence::kMargin);
  // Less than a second left: the call is not started.
  EXPECT_EQ(fence.call_deadline(t0 + seconds(29)), std::nullopt);
}

TEST(LeaseFence, RenewalsMoveItOutFromWhenTheyWereSentAndNeverBack) {
  LeaseFence fence(t0, seconds(30));
  fence.renewed(t0 + seconds(10));
  EXPECT_TRUE(fence.held(t0 + seconds(39)));
  EXPECT_EQ(fence.call_deadline(t0 + seconds(20)), t0 + seconds(35));
  fence.renewed(t0 + seconds(5));  // an older renewal answered late
  EXPECT_TRUE(fence.held(t0 + seconds(39)));
}

TEST(LeaseFence, RenewedEverySixthALeaseLeavesEveryCallItsWholeLimit) {
  const auto lease = seconds(30);
  LeaseFence fence(t0, lease);
  for (int i = 1; i <= 12; ++i) {
    const auto now = t0 + i * LeaseFence::renew_interval(lease);
    // Just before each renewal lands, a new call still gets the full limit.
    EXPECT_EQ(fence.call_deadline(now - milliseconds(1)),
              now - milliseconds(1) + LeaseFence::call_limit(lease));
    fence.renewed(now);
  }
}

TEST(LeaseFence, ARevokedFenceStartsNoCall) {
  LeaseFence fence(t0, seconds(30));
  fence.revoke();
  EXPECT_FALSE(fence.held(t0));
  EXPECT_EQ(fence.call_deadline(t0), std::nullopt);
}

}  // namespace
}  // namespace keapsync::engine
