// Odd 200s from the token endpoint: Keap has rotated by then, so every answer
// holding an access token is a rotation, and nothing throws.
#include "auth/token_answer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace keapsync::auth {
namespace {

TokenGrant grant_of(const std::string& body) {
  const auto r = parse_token_answer(body);
  if (const auto* e = std::get_if<TokenError>(&r)) {
    ADD_FAILURE() << body << " -> " << e->message;
    return {};
  }
  return std::get<TokenGrant>(r);
}

TEST(TokenAnswer, ARegularAnswerHasNoNote) {
  const auto g = grant_of(
      R"({"access_token":"at-1","token_type":"bearer","expires_in":86400,"refresh_token":"rt-1",)"
      R"("scope":"full|ab123.infusionsoft.com"})");
  EXPECT_EQ(g.access_token.reveal(), "at-1");
  EXPECT_EQ(g.refresh_token.reveal(), "rt-1");
  EXPECT_EQ(g.expires_in, std::chrono::seconds(86400));
  EXPECT_EQ(g.scope, "full|ab123.infusionsoft.com");
  EXPECT_TRUE(g.note.empty()) << g.note;
}

TEST(TokenAnswer, ExpiresInAsStringOrFractionIsRead) {
  EXPECT_EQ(grant_of(R"({"access_token":"a","refresh_token":"r","expires_in":"28800"})").expires_in,
            std::chrono::seconds(28800));
  EXPECT_EQ(grant_of(R"({"access_token":"a","refresh_token":"r","expires_in":3600.7})").expires_in,
            std::chrono::seconds(3600));
  EXPECT_EQ(
      grant_of(R"({"access_token":"a","refresh_token":"r","expires_in":18446744073709551615})")
          .expires_in,
      kMaxLifetime);
}

TEST(TokenAnswer, OutOfRangeOrMissingExpiresInIsClampedAndNoted) {
  const auto zero = grant_of(R"({"access_token":"a","refresh_token":"r","expires_in":0})");
  EXPECT_EQ(zero.expires_in, kMinLifetime);
  EXPECT_NE(zero.note.find("expires_in below"), std::string::npos) << zero.note;
  const auto negative = grant_of(R"({"access_token":"a","refresh_token":"r","expires_in":-5})");
  EXPECT_EQ(negative.expires_in, kMinLifetime);
  const auto huge = grant_of(R"({"access_token":"a","refresh_token":"r","expires_in":1e300})");
  EXPECT_EQ(huge.expires_in, kMaxLifetime);
  for (const char* body : {R"({"access_token":"a","refresh_token":"r"})",
                           R"({"access_token":"a","refresh_token":"r","expires_in":"soon"})",
                           R"({"access_token":"a","refresh_token":"r","expires_in":null})",
                           R"({"access_token":"a","refresh_token":"r","expires_in":[1]})"}) {
    const auto g = grant_of(body);
    EXPECT_EQ(g.expires_in, kAssumedLifetime) << body;
    EXPECT_NE(g.note.find("assumed"), std::string::npos) << body;
  }
}

TEST(TokenAnswer, AMissingRefreshTokenKeepsTheOneSent) {
  const auto g = grant_of(R"({"access_token":"a","expires_in":86400})");
  EXPECT_TRUE(g.refresh_token.empty());
  EXPECT_NE(g.note.find("no refresh_token"), std::string::npos) << g.note;
  EXPECT_TRUE(grant_of(R"({"access_token":"a","refresh_token":7,"expires_in":86400})")
                  .refresh_token.empty());
}

TEST(TokenAnswer, NoAccessTokenIsATransientErrorThatMayHaveRotated) {
  for (const char* body :
       {"", "not json", "[]", R"({"scope":"full"})", R"({"access_token":""})",
        R"({"access_token":12})", "{\"access_token\":\"a\"", "<html>OK</html>"}) {
    const auto r = parse_token_answer(body);
    const auto* e = std::get_if<TokenError>(&r);
    ASSERT_NE(e, nullptr) << body;
    EXPECT_EQ(e->kind, TokenErrorKind::transient) << body;
    EXPECT_TRUE(e->may_have_rotated) << body;
  }
}

TEST(TokenAnswer, ARefreshTokenAloneIsKept) {
  const auto g = grant_of(R"({"refresh_token":"rt-2"})");
  EXPECT_TRUE(g.access_token.empty());
  EXPECT_EQ(g.refresh_token.reveal(), "rt-2");
  EXPECT_EQ(g.expires_in, kMinLifetime);  // the next refresh comes soon
  EXPECT_NE(g.note.find("no access_token"), std::string::npos) << g.note;
}

TEST(TokenAnswer, AByteOrderMarkOrLeadingBlanksAreSkipped) {
  EXPECT_EQ(
      grant_of("\xEF\xBB\xBF{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":600}")
          .expires_in,
      std::chrono::seconds(600));
  EXPECT_EQ(grant_of(" \r\n{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":600}")
                .access_token.reveal(),
            "a");
}

TEST(TokenAnswer, DeepNestingDoesNotThrow) {
  std::string deep = R"({"access_token":"a","refresh_token":"r","expires_in":60,"x":)";
  for (int i = 0; i < 200; ++i)
    deep += "[";
  for (int i = 0; i < 200; ++i)
    deep += "]";
  deep += "}";
  EXPECT_NO_THROW(parse_token_answer(deep));
}

}  // namespace
}  // namespace keapsync::auth
