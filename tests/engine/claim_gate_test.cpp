// The claim gate: claim at once when idle or when enough slots are open;
// gather a few freed slots for a moment otherwise.
#include "engine/claim_gate.hpp"

#include <gtest/gtest.h>

namespace keapsync::engine {
namespace {

using std::chrono::milliseconds;

TEST(ClaimGate, ALoneRowWaitsForNobody) {
  EXPECT_EQ(ClaimGate::wait(1, 0, 64, milliseconds(0)), milliseconds(0));
}

TEST(ClaimGate, EnoughOpenSlotsAreClaimedAtOnce) {
  EXPECT_EQ(ClaimGate::worth(64), 8);
  EXPECT_EQ(ClaimGate::wait(8, 56, 64, milliseconds(0)), milliseconds(0));
  EXPECT_EQ(ClaimGate::worth(25), 3);  // one OAuth app
  EXPECT_EQ(ClaimGate::worth(4), 1);   // an API key: every slot is worth a claim
  EXPECT_EQ(ClaimGate::wait(1, 3, 4, milliseconds(0)), milliseconds(0));
}

TEST(ClaimGate, AFewFreedSlotsAreGatheredForAMomentOnly) {
  EXPECT_EQ(ClaimGate::wait(2, 62, 64, milliseconds(0)), ClaimGate::kGather);
  EXPECT_EQ(ClaimGate::wait(2, 62, 64, milliseconds(3)), milliseconds(2));
  EXPECT_EQ(ClaimGate::wait(2, 62, 64, milliseconds(5)), milliseconds(0));
  EXPECT_EQ(ClaimGate::wait(2, 62, 64, milliseconds(50)), milliseconds(0));
}

TEST(ClaimGate, NoOpenSlotMeansNoClaim) {
  EXPECT_GT(ClaimGate::wait(0, 64, 64, milliseconds(100)), milliseconds(0));
}

}  // namespace
}  // namespace keapsync::engine
