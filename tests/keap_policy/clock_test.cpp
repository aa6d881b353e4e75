// The injectable clock: a manual clock moves only when told, and every copy sees the same time.
#include <gtest/gtest.h>

#include <cmath>

#include "base/manual_clock.hpp"
#include "base/random.hpp"

namespace keapsync::keap {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, CopiesShareOneTime) {
  ManualClock clock(TimePoint{1000s});
  const Clock c = clock.clock();
  EXPECT_EQ(c(), TimePoint{1000s});
  clock.advance(5s);
  EXPECT_EQ(c(), TimePoint{1005s});
  ManualClock copy = clock;
  copy.set(TimePoint{2000s});
  EXPECT_EQ(clock.now(), TimePoint{2000s});
}

TEST(SystemClock, ReadsTheWallClock) {
  const auto before = std::chrono::system_clock::now();
  const auto t = system_clock()();
  EXPECT_GE(t, before);
  EXPECT_LE(t - before, 5s);
}

TEST(Random, ClampsABrokenSource) {
  EXPECT_EQ(unit([] { return 7.0; }), 1.0);
  EXPECT_EQ(unit([] { return -1.0; }), 0.0);
  EXPECT_EQ(unit([] { return std::nan(""); }), 0.5);
  EXPECT_EQ(unit(Random{}), 0.5);
  const Random r = make_random();
  for (int i = 0; i < 1000; ++i) {
    const double v = r();
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
}

}  // namespace
}  // namespace keapsync::keap
