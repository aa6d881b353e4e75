// Classification of token-endpoint failures (docs/keap-api.md §1.7).
#include <gtest/gtest.h>

#include "auth/token_error.hpp"

namespace keapsync::auth {
namespace {

TEST(ClassifyTokenError, InvalidGrantIsADeadRefreshToken) {
  const auto e = classify_token_error(
      400, R"({"error":"invalid_grant","error_description":"Invalid refresh token"})");
  EXPECT_EQ(e.kind, TokenErrorKind::dead_refresh_token);
  EXPECT_EQ(e.oauth_error, "invalid_grant");
  EXPECT_EQ(e.message, "token endpoint HTTP 400: invalid_grant: Invalid refresh token");
}

TEST(ClassifyTokenError, InvalidRequestInvalidRefreshTokenIsDeadInAnyCase) {
  for (const char* text :
       {"Invalid Refresh Token", "invalid refresh token", "INVALID REFRESH TOKEN"}) {
    const std::string body =
        std::string(R"({"error":"invalid_request","error_description":")") + text + "\"}";
    EXPECT_EQ(classify_token_error(400, body).kind, TokenErrorKind::dead_refresh_token) << text;
  }
}

TEST(ClassifyTokenError, OtherInvalidRequestIsRejectedNotDead) {
  const auto e = classify_token_error(
      400,
      R"({"error":"invalid_request","error_description":"response_type or grant_type is required"})");
  EXPECT_EQ(e.kind, TokenErrorKind::rejected);
  EXPECT_EQ(e.message,
            "token endpoint HTTP 400: invalid_request: response_type or grant_type is required");
}

TEST(ClassifyTokenError, UnauthorizedIsBadClientCredentials) {
  EXPECT_EQ(classify_token_error(401, "").kind, TokenErrorKind::bad_client_credentials);
  EXPECT_EQ(classify_token_error(401, "Unauthorized").kind, TokenErrorKind::bad_client_credentials);
  EXPECT_EQ(classify_token_error(400, R"({"error":"invalid_client"})").kind,
            TokenErrorKind::bad_client_credentials);
}

TEST(ClassifyTokenError, ServerErrorsAndThrottlingAreTransient) {
  for (int status : {500, 502, 503, 504, 408, 429}) {
    EXPECT_EQ(classify_token_error(status, "<html><title>Bad Gateway</title></html>").kind,
              TokenErrorKind::transient)
        << status;
  }
  // A gateway error may hide a rotation done behind it; a throttle refused the request.
  EXPECT_TRUE(classify_token_error(502, "").may_have_rotated);
  EXPECT_FALSE(classify_token_error(429, "").may_have_rotated);
  EXPECT_FALSE(classify_token_error(400, R"({"error":"invalid_grant"})").may_have_rotated);
}

TEST(ClassifyTokenError, NoResponseIsTransient) {
  const auto e = token_transport_failure("connect timed out after 10s");
  EXPECT_EQ(e.kind, TokenErrorKind::transient);
  EXPECT_EQ(e.status, 0);
}

TEST(ClassifyTokenError, EchoedRefreshTokenNeverReachesTheMessage) {
  const auto e = classify_token_error(
      400, R"({"error":"invalid_request","error_description":"bad refresh_token=rt-SECRET-123"})");
  EXPECT_EQ(e.message.find("rt-SECRET-123"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace keapsync::auth
