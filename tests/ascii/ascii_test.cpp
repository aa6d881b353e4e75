// The ASCII helpers every layer shares: byte-wise, locale-free.
#include "ascii/ascii.hpp"

#include <gtest/gtest.h>

namespace keapsync::ascii {
namespace {

TEST(Ascii, LowersOnlyAsciiLettersAndKeepsTheLength) {
  EXPECT_EQ(to_lower("X-Keap-Product-Quota-Available"), "x-keap-product-quota-available");
  EXPECT_EQ(to_lower("Ä1_Z\xff"), "Ä1_z\xff");  // UTF-8 and high bytes stay as they are
}

TEST(Ascii, ComparesWithoutCase) {
  EXPECT_TRUE(iequals("Retry-After", "retry-after"));
  EXPECT_FALSE(iequals("Retry-After", "Retry-After2"));
  EXPECT_FALSE(iequals("GMT", "GMX"));
}

TEST(Ascii, TrimsBlanksOnBothEnds) {
  EXPECT_EQ(trim(" \t 30 \r\n"), "30");
  EXPECT_EQ(trim("a b"), "a b");
  EXPECT_EQ(trim(" \t "), "");
}

}  // namespace
}  // namespace keapsync::ascii
