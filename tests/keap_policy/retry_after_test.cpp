// Parsing of Retry-After, HTTP-dates and Keap's epoch expiry stamps; garbage must give nullopt.
#include <gtest/gtest.h>

#include "keap/retry_after.hpp"

namespace keapsync::keap {
namespace {

using namespace std::chrono_literals;

const TimePoint k1994{std::chrono::seconds(784111777)};  // 1994-11-06T08:49:37Z
const TimePoint kNow{std::chrono::seconds(1795780800)};  // 2026-11-27T12:00:00Z

TEST(HttpDate, ParsesTheThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), k1994);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), k1994);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), k1994);
  EXPECT_EQ(parse_http_date("  Fri, 27 Nov 2026 12:00:00 GMT "), kNow);
}

TEST(HttpDate, RejectsGarbage) {
  for (const char* bad : {"", "GMT", "Sun, 06 Nov 1994 08:49:37", "Sun, 31 Feb 2026 08:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT",
                          "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
                          "Sun, -6 Nov 1994 08:49:37 GMT", "1 2 3 4 5 6 7 8"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

TEST(RetryAfter, SecondsOrDate) {
  EXPECT_EQ(parse_retry_after("120", kNow), kNow + 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), kNow);
  EXPECT_EQ(parse_retry_after("Fri, 27 Nov 2026 12:05:00 GMT", kNow), kNow + 5min);
  // A date in the past means "now".
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), kNow);
}

TEST(RetryAfter, RejectsGarbageAndSurvivesHugeValues) {
  for (const char* bad : {"", "-5", "1.5", "soon", "12s", "0x10", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_retry_after(bad, kNow).has_value()) << bad;
  }
  const auto huge = parse_retry_after("999999999999999999", kNow);
  ASSERT_TRUE(huge.has_value());
  EXPECT_GT(*huge, kNow);
}

TEST(EpochStamp, MillisecondsAsKeapSendsThemAndSeconds) {
  const TimePoint midnight{std::chrono::seconds(1723680000)};  // 2024-08-15T00:00Z
  EXPECT_EQ(parse_epoch_stamp("1723680000000"), midnight);
  EXPECT_EQ(parse_epoch_stamp("1723680000"), midnight);
}

TEST(EpochStamp, RejectsGarbage) {
  for (const char* bad : {"", "abc", "-1723680000000", "0", "42", "1723680000000000000", "1e12"}) {
    EXPECT_FALSE(parse_epoch_stamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace keapsync::keap
