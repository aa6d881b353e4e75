// The one percent codec: encoding for Keap's targets and forms, decoding (with
// the offset of a bad escape) for redirects, pasted URLs and the sandbox.
#include <gtest/gtest.h>

#include "http/percent_encode.hpp"

namespace keapsync::http {
namespace {

TEST(PercentCodec, EncodesAllButUnreservedCharacters) {
  EXPECT_EQ(percent_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percent_encode("a b+c&d=e/f?%"), "a%20b%2Bc%26d%3De%2Ff%3F%25");
  EXPECT_EQ(percent_encode("\xc3\xa9\x01\xff"), "%C3%A9%01%FF");
}

TEST(PercentCodec, DecodesEscapesInEitherCaseAndPlusAsSpace) {
  EXPECT_EQ(percent_decode("abc"), "abc");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(percent_decode("a+b%20c"), "a b c");
  EXPECT_EQ(percent_decode("%00%FF"), std::string("\0\xff", 2));
  EXPECT_EQ(percent_decode("%41"), "A");  // an escape that ends the text
  EXPECT_EQ(percent_decode("100%25"), "100%");
}

TEST(PercentCodec, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  EXPECT_EQ(percent_decode(percent_encode(all)), all);
}

TEST(PercentCodec, ABadEscapeIsRefusedWithItsOffsetNeverThrown) {
  for (const char* bad :
       {"%zz", "%g0", "%0g", "abc%4", "abc%", "%", "%%41", "a%2", "%-1", "% 1", "%+1", "%0x"}) {
    EXPECT_NO_THROW(EXPECT_EQ(percent_decode(bad), std::nullopt) << bad);
  }
  EXPECT_EQ(bad_percent_escape("%zz"), 0u);
  EXPECT_EQ(bad_percent_escape("abc%4"), 3u);
  EXPECT_EQ(bad_percent_escape("abc%"), 3u);
  EXPECT_EQ(bad_percent_escape("%41%4"), 3u);
  EXPECT_EQ(bad_percent_escape("a%41b%zzc%4"), 5u);      // the first bad one
  EXPECT_EQ(bad_percent_escape("%2541"), std::nullopt);  // "%25" is the escape, "41" plain text
  EXPECT_EQ(bad_percent_escape("a%2Fb+c"), std::nullopt);
  EXPECT_EQ(bad_percent_escape(""), std::nullopt);
}

}  // namespace
}  // namespace keapsync::http
