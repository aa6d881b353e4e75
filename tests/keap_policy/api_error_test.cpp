// Classification of Keap API failures: every rule, with bodies shaped like Keap's real ones.
#include <gtest/gtest.h>

#include <string>

#include "http/error_body.hpp"
#include "keap/api_error.hpp"

namespace keapsync::keap {
namespace {

const ResponseHeaders kNoHeaders;

constexpr const char* kV2NotFound =
    R"({"code":404,"message":"Contact with id 123 not found","status":"NOT_FOUND",)"
    R"("details":[{"domain":"contacts","resource":"123"}]})";
constexpr const char* kV2Invalid =
    R"({"code":400,"message":"Invalid email address: not-an-email","status":"INVALID_ARGUMENT",)"
    R"("details":[{"domain":"contacts","resource":"email_addresses"}]})";
constexpr const char* k429 =
    R"({"code":"429","message":"Quota Exceeded","status":"Request Throttled","details":null})";
constexpr const char* kQuotaFault =
    R"({"fault":{"faultstring":"Rate limit quota violation. Quota limit  exceeded. Identifier : )"
    R"(abc","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}})";
constexpr const char* kSpikeFault =
    R"({"fault":{"faultstring":"Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=25, )"
    R"(periodInMicroseconds=1000000, maxBurstMessageCount=25.0}","detail":{"errorcode":)"
    R"("policies.ratelimit.SpikeArrestViolation"}}})";
constexpr const char* kTokenFault =
    R"({"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}})";
constexpr const char* kNginx502 =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

TEST(ClassifyResponse, ServerErrorsAreTransient) {
  for (int status : {500, 502, 503, 504, 599}) {
    const auto e = classify_response(status, kNoHeaders, "");
    EXPECT_EQ(e.error_class, ErrorClass::transient) << status;
  }
}

TEST(ClassifyResponse, RequestTimeoutIsTransient) {
  EXPECT_EQ(classify_response(408, kNoHeaders, "Request Timeout").error_class,
            ErrorClass::transient);
}

TEST(ClassifyResponse, V2ServerErrorKeepsKeapsMessage) {
  const auto e = classify_response(
      500, kNoHeaders,
      R"({"code":500,"message":"Internal error","status":"INTERNAL","details":[]})");
  EXPECT_EQ(e.error_class, ErrorClass::transient);
  EXPECT_EQ(e.message, "HTTP 500 INTERNAL: Internal error");
  EXPECT_EQ(e.keap_code, "INTERNAL");
}

TEST(ClassifyResponse, Throttled429WithCurrentBody) {
  const auto e = classify_response(429, kNoHeaders, k429);
  EXPECT_EQ(e.error_class, ErrorClass::throttled);
  EXPECT_EQ(e.message, "HTTP 429 Request Throttled: Quota Exceeded");
}

TEST(ClassifyResponse, Throttled429WithApigeeFault) {
  const auto e = classify_response(429, kNoHeaders, kQuotaFault);
  EXPECT_EQ(e.error_class, ErrorClass::throttled);
  EXPECT_NE(e.message.find("Rate limit quota violation"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("[policies.ratelimit.QuotaViolation]"), std::string::npos);
  EXPECT_EQ(e.keap_code, "policies.ratelimit.QuotaViolation");
}

TEST(ClassifyResponse, QuotaOrSpikeFaultIsThrottledWhateverTheStatus) {
  EXPECT_EQ(classify_response(500, kNoHeaders, kSpikeFault).error_class, ErrorClass::throttled);
  EXPECT_EQ(classify_response(403, kNoHeaders, kQuotaFault).error_class, ErrorClass::throttled);
}

TEST(ClassifyResponse, UnauthorizedIsAuth) {
  const auto e = classify_response(401, kNoHeaders, kTokenFault);
  EXPECT_EQ(e.error_class, ErrorClass::auth);
  EXPECT_EQ(e.message, "HTTP 401: Invalid access token [oauth.v2.InvalidAccessToken]");
  EXPECT_EQ(classify_response(401, kNoHeaders, "").error_class, ErrorClass::auth);
  EXPECT_EQ(classify_response(401, kNoHeaders,
                              R"({"code":401,"message":"Unauthorized","status":"UNAUTHENTICATED"})")
                .error_class,
            ErrorClass::auth);
}

TEST(ClassifyResponse, InvalidTokenFaultUnderAnotherStatusIsAuth) {
  EXPECT_EQ(classify_response(403, kNoHeaders, kTokenFault).error_class, ErrorClass::auth);
}

TEST(ClassifyResponse, ListedClientErrorsArePermanent) {
  for (int status : {400, 403, 404, 409, 412, 413, 422}) {
    EXPECT_EQ(classify_response(status, kNoHeaders, kV2Invalid).error_class, ErrorClass::permanent)
        << status;
  }
}

TEST(ClassifyResponse, OtherClientErrorsArePermanent) {
  for (int status : {402, 405, 410, 415, 418, 451}) {
    EXPECT_EQ(classify_response(status, kNoHeaders, "").error_class, ErrorClass::permanent)
        << status;
  }
}

TEST(ClassifyResponse, UnexpectedNonErrorStatusIsPermanent) {
  EXPECT_EQ(classify_response(302, kNoHeaders, "").error_class, ErrorClass::permanent);
}

TEST(ClassifyResponse, NotFoundExposesItsStatusForPatch) {
  const auto e = classify_response(404, kNoHeaders, kV2NotFound);
  EXPECT_EQ(e.error_class, ErrorClass::permanent);
  EXPECT_TRUE(e.not_found());
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.message, "HTTP 404 NOT_FOUND: Contact with id 123 not found (details: contacts/123)");
  EXPECT_FALSE(classify_response(400, kNoHeaders, kV2Invalid).not_found());
}

TEST(ClassifyResponse, V2BadRequestCarriesMessageAndDetails) {
  const auto e = classify_response(400, kNoHeaders, kV2Invalid);
  EXPECT_EQ(e.message,
            "HTTP 400 INVALID_ARGUMENT: Invalid email address: not-an-email (details: "
            "contacts/email_addresses)");
  EXPECT_EQ(e.keap_code, "INVALID_ARGUMENT");
}

TEST(ClassifyResponse, V1MessageBody) {
  const auto e = classify_response(
      400, kNoHeaders, R"({"message":"Input could not be converted to a valid request"})");
  EXPECT_EQ(e.error_class, ErrorClass::permanent);
  EXPECT_EQ(e.message, "HTTP 400: Input could not be converted to a valid request");
}

TEST(ClassifyResponse, HtmlFromProxyGivesItsTitle) {
  const auto e = classify_response(502, kNoHeaders, kNginx502);
  EXPECT_EQ(e.error_class, ErrorClass::transient);
  EXPECT_EQ(e.message, "HTTP 502: 502 Bad Gateway");
}

TEST(ClassifyResponse, HtmlWithoutTitleGivesItsText) {
  const auto e =
      classify_response(503, kNoHeaders, "<html><body><h1>Service\nUnavailable</h1></body></html>");
  EXPECT_EQ(e.message, "HTTP 503: Service Unavailable");
}

TEST(ClassifyResponse, PlainTextBody) {
  const auto e = classify_response(503, kNoHeaders, "upstream connect error or disconnect\n");
  EXPECT_EQ(e.message, "HTTP 503: upstream connect error or disconnect");
}

TEST(ClassifyResponse, EmptyBody) {
  EXPECT_EQ(classify_response(504, kNoHeaders, "").message, "HTTP 504: (empty body)");
  EXPECT_EQ(classify_response(504, kNoHeaders, "  \r\n").message, "HTTP 504: (empty body)");
}

TEST(ClassifyResponse, JsonWithoutMessage) {
  EXPECT_EQ(classify_response(400, kNoHeaders, R"({"foo":1})").message,
            "HTTP 400: (no message in body)");
}

TEST(ClassifyResponse, BrokenJsonIsTreatedAsText) {
  const auto e = classify_response(500, kNoHeaders, R"({"message":"cut)");
  EXPECT_EQ(e.error_class, ErrorClass::transient);
  EXPECT_EQ(e.message, R"(HTTP 500: {"message":"cut)");
}

TEST(ClassifyResponse, RequestIdIsQuoted) {
  const ResponseHeaders h{{"X-Request-Id", "7f3c2a"}};
  EXPECT_EQ(classify_response(500, h, "").message, "HTTP 500: (empty body) (x-request-id 7f3c2a)");
}

TEST(ClassifyResponse, LongBodiesAreCut) {
  const std::string body(100000, 'x');
  const auto e = classify_response(500, kNoHeaders, body);
  EXPECT_LT(e.message.size(), 330u);
  EXPECT_EQ(e.message.substr(e.message.size() - 3), "...");
}

TEST(ClassifyResponse, EchoedCredentialsAreMasked) {
  const std::string secret = "a1b2c3d4e5f6SECRET";
  const auto text = classify_response(
      400, kNoHeaders, "bad request: grant_type=refresh_token&refresh_token=" + secret + "&x=1");
  EXPECT_EQ(text.message.find(secret), std::string::npos) << text.message;
  const auto json = classify_response(
      400, kNoHeaders, R"({"message":"echo {\"access_token\": \")" + secret + R"(\"}"})");
  EXPECT_EQ(json.message.find(secret), std::string::npos) << json.message;
  const auto bearer =
      classify_response(401, kNoHeaders, "Authorization: Bearer " + secret + " rejected");
  EXPECT_EQ(bearer.message.find(secret), std::string::npos) << bearer.message;
  const auto key = classify_response(403, kNoHeaders, "key KeapAK-" + secret + " is revoked");
  EXPECT_EQ(key.message.find(secret), std::string::npos) << key.message;
  EXPECT_NE(key.message.find("is revoked"), std::string::npos) << key.message;
}

TEST(ClassifyResponse, ControlCharactersAndBadUtf8AreCleaned) {
  const auto e = classify_response(500, kNoHeaders, std::string("a\x01\tb\xff\xfe c\xc3\xa9"));
  EXPECT_EQ(e.message, "HTTP 500: a b?? c\xc3\xa9");
}

TEST(ClassifyResponse, NoResponseIsTransient) {
  const auto e = transport_failure("read timed out after 30s");
  EXPECT_EQ(e.error_class, ErrorClass::transient);
  EXPECT_EQ(e.status, 0);
  EXPECT_EQ(e.message, "no HTTP response: read timed out after 30s");
}

TEST(CleanText, CutsOnCharacterBoundary) {
  // 'é' is two bytes: a cut inside it must drop it whole.
  const std::string s = "ab\xc3\xa9";
  EXPECT_EQ(http::clean_text(s, 3), "ab...");
  EXPECT_EQ(http::clean_text(s, 4), "ab\xc3\xa9");
}

TEST(ErrorClassNames, AreStable) {
  EXPECT_STREQ(to_string(ErrorClass::transient), "transient");
  EXPECT_STREQ(to_string(ErrorClass::throttled), "throttled");
  EXPECT_STREQ(to_string(ErrorClass::permanent), "permanent");
  EXPECT_STREQ(to_string(ErrorClass::auth), "auth");
}

}  // namespace
}  // namespace keapsync::keap
