// RateHistory with a manual clock: growth lands in the minute it was seen,
// minutes move along, a bucket a lap old reads 0, a reset counts from zero.
#include "engine/rate_history.hpp"

#include <gtest/gtest.h>

#include "base/manual_clock.hpp"

namespace keapsync::engine {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class RateHistoryTest : public ::testing::Test {
 protected:
  // 10 s into a minute.
  ManualClock clock{TimePoint(std::chrono::hours(24 * 365 * 56) + seconds(10))};
  RateHistory history{clock.clock()};
};

TEST_F(RateHistoryTest, GrowthLandsInTheCurrentMinuteAndMovesAlong) {
  history.observe("shop", 0, 0);
  history.observe("shop", 5, 7);
  auto hour = history.last_hour("shop");
  ASSERT_EQ(hour.size(), 60u);
  EXPECT_EQ(hour.back().delivered, 5);
  EXPECT_EQ(hour.back().requests, 7);

  clock.advance(minutes(2));
  history.observe("shop", 8, 9);
  hour = history.last_hour("shop");
  EXPECT_EQ(hour[57].delivered, 5);
  EXPECT_EQ(hour[58].delivered, 0);
  EXPECT_EQ(hour[59].delivered, 3);
  EXPECT_EQ(hour[59].requests, 2);
  EXPECT_EQ(history.first_minute(), clock.now() - seconds(10) - minutes(59));
}

TEST_F(RateHistoryTest, AMinuteALapOldReadsZero) {
  history.observe("shop", 4, 4);
  clock.advance(minutes(60));
  history.observe("shop", 4, 4);  // nothing new: the old bucket is not touched
  for (const auto& m : history.last_hour("shop"))
    EXPECT_EQ(m.delivered, 0);
  history.observe("shop", 6, 6);
  EXPECT_EQ(history.last_hour("shop").back().delivered, 2);
}

TEST_F(RateHistoryTest, ASmallerTotalStartsOverFromIt) {
  history.observe("shop", 10, 10);
  history.observe("shop", 3, 3);
  EXPECT_EQ(history.last_hour("shop").back().delivered, 13);
}

TEST_F(RateHistoryTest, AccountsAreKeptApart) {
  history.observe("a", 1, 1);
  history.observe("b", 2, 2);
  EXPECT_EQ(history.last_hour("a").back().delivered, 1);
  EXPECT_EQ(history.last_hour("b").back().delivered, 2);
  EXPECT_EQ(history.last_hour("never").back().delivered, 0);
  EXPECT_EQ(history.accounts(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(RateHistoryTest, TheRateIsPerMinuteOverTheWindowSinceStart) {
  const auto started = clock.now();
  clock.advance(minutes(1));
  history.observe("shop", 30, 60);
  clock.advance(minutes(1));
  history.observe("shop", 60, 120);
  // 60 rows in the 2 minutes since start, though the window asks for 5.
  const auto rate = history.rate("shop", minutes(5), started);
  EXPECT_NEAR(rate.delivered, 30, 0.01);
  EXPECT_NEAR(rate.requests, 60, 0.01);
}

}  // namespace
}  // namespace keapsync::engine
