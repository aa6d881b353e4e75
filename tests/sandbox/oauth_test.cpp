// OAuth rules of the sandbox: /app/oauth/authorize, /token grants and errors,
// rotating single-use refresh tokens, bearer checks and API keys.
#include "router_fixture.hpp"

namespace keapsync::sandbox::test {
namespace {

using OAuth = RouterTest;

TEST_F(OAuth, AuthorizeRedirectsWithCodeScopeAndState) {
  auto res =
      call("GET",
           "/app/oauth/"
           "authorize?client_id=sandbox-client&redirect_uri=https%3A%2F%2Fshop.example%2Fcb%3Fx%3D1"
           "&response_type=code&scope=full&state=abc%20def");
  ASSERT_EQ(res.status, 302);
  auto location = res.header("Location");
  EXPECT_EQ(location.rfind("https://shop.example/cb?x=1&code=sbx-code-", 0), 0u) << location;
  EXPECT_NE(location.find("&scope=full%7Csandbox.infusionsoft.com"), std::string::npos);
  EXPECT_NE(location.find("&state=abc%20def"), std::string::npos);
}

TEST_F(OAuth, AuthorizeRefusesUnknownClientBadResponseTypeAndPlainHttp) {
  EXPECT_EQ(call("GET",
                 "/app/oauth/authorize?client_id=nope&redirect_uri=https://a.b/&response_type=code")
                .status,
            400);
  EXPECT_EQ(call("GET",
                 "/app/oauth/authorize?client_id=sandbox-client&redirect_uri=https://a.b/"
                 "&response_type=token")
                .status,
            400);
  EXPECT_EQ(call("GET",
                 "/app/oauth/authorize?client_id=sandbox-client&redirect_uri=http://a.b/"
                 "&response_type=code")
                .status,
            400);
  EXPECT_EQ(call("GET",
                 "/app/oauth/authorize?client_id=sandbox-client&redirect_uri=http://127.0.0.1:9/cb"
                 "&response_type=code")
                .status,
            302);
}

TEST_F(OAuth, CodeExchangeReturnsKeapTokenResponse) {
  auto code = authorize_code();
  // Client credentials in the body, as the official PHP SDK sends them.
  auto res = token_request(
      "client_id=sandbox-client&client_secret=sandbox-secret&grant_type=authorization_code&code=" +
          code + "&redirect_uri=" + percent_encode("https://shop.example/cb"),
      false);
  ASSERT_EQ(res.status, 200) << res.body;
  auto v = body(res);
  EXPECT_EQ(v.at("token_type").as_string(), "bearer");
  EXPECT_EQ(v.at("expires_in").as_int64(), 86400);
  EXPECT_EQ(v.at("scope").as_string(), "full|sandbox.infusionsoft.com");
  EXPECT_FALSE(v.at("access_token").as_string().empty());
  EXPECT_FALSE(v.at("refresh_token").as_string().empty());
}

TEST_F(OAuth, CodesAreSingleUseBoundToRedirectAndExpire) {
  auto code = authorize_code();
  auto form = "grant_type=authorization_code&code=" + code +
              "&redirect_uri=" + percent_encode("https://shop.example/cb");
  auto wrong_redirect = token_request("grant_type=authorization_code&code=" + code +
                                      "&redirect_uri=https%3A%2F%2Fx.y");
  EXPECT_EQ(wrong_redirect.status, 400);
  EXPECT_EQ(token_request(form).status, 400) << "a code is spent even by a failed exchange";

  auto code2 = authorize_code();
  EXPECT_EQ(token_request("grant_type=authorization_code&code=" + code2 +
                          "&redirect_uri=" + percent_encode("https://shop.example/cb"))
                .status,
            200);
  EXPECT_EQ(token_request("grant_type=authorization_code&code=" + code2 +
                          "&redirect_uri=" + percent_encode("https://shop.example/cb"))
                .status,
            400);

  auto code3 = authorize_code();
  now += std::chrono::seconds{601};
  auto expired = token_request("grant_type=authorization_code&code=" + code3 +
                               "&redirect_uri=" + percent_encode("https://shop.example/cb"));
  EXPECT_EQ(expired.status, 400);
  EXPECT_EQ(body(expired).at("error").as_string(), "invalid_grant");
}

TEST_F(OAuth, JsonBodyGetsKeapsFormError) {
  auto res = call("POST", "/token", {{"content-type", "application/json"}},
                  R"({"grant_type":"refresh_token","refresh_token":"x"})");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(
      res.body,
      R"({"error":"invalid_request","error_description":"response_type or grant_type is required"})");
  // Parameters in the query string do not count either.
  auto query = call("POST", "/token?grant_type=refresh_token&refresh_token=x",
                    {{"content-type", "application/x-www-form-urlencoded"}}, "");
  EXPECT_EQ(query.status, 400);
  EXPECT_EQ(body(query).at("error_description").as_string(),
            "response_type or grant_type is required");
}

TEST_F(OAuth, WrongClientCredentialsAre401) {
  auto [access, refresh_token] = login();
  auto res =
      token_request("grant_type=refresh_token&refresh_token=" + refresh_token, true, "wrong");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(body(res).at("error").as_string(), "invalid_client");
  EXPECT_EQ(refresh(refresh_token).status, 200) << "a refused client does not spend the token";
}

TEST_F(OAuth, RefreshRotatesAndOldRefreshTokenIsDead) {
  auto [access1, refresh1] = login();
  auto res = refresh(refresh1);
  ASSERT_EQ(res.status, 200) << res.body;
  auto refresh2 = std::string(body(res).at("refresh_token").as_string());
  auto access2 = std::string(body(res).at("access_token").as_string());
  EXPECT_NE(refresh2, refresh1);
  EXPECT_NE(access2, access1);

  auto reuse = refresh(refresh1);
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.body,
            R"({"error":"invalid_request","error_description":"Invalid Refresh Token"})");
}

TEST_F(OAuth, ReuseOfSpentRefreshTokenRevokesTheChain) {
  auto [access1, refresh1] = login();
  auto refresh2 = std::string(body(refresh(refresh1)).at("refresh_token").as_string());
  EXPECT_EQ(refresh(refresh1).status, 400);
  EXPECT_EQ(refresh(refresh2).status, 400)
      << "a racing second refresh kills the live pair too (strict)";

  config.tokens.reuse_revokes_chain = false;
  router.reset();
  auto [a, r1] = login();
  auto r2 = std::string(body(refresh(r1)).at("refresh_token").as_string());
  EXPECT_EQ(refresh(r1).status, 400);
  EXPECT_EQ(refresh(r2).status, 200);
}

TEST_F(OAuth, RefreshWithClientCredentialsInBody) {
  auto [access, refresh_token] = login();
  auto res =
      token_request("grant_type=refresh_token&refresh_token=" + percent_encode(refresh_token) +
                        "&client_id=sandbox-client&client_secret=sandbox-secret",
                    false);
  EXPECT_EQ(res.status, 200) << res.body;
}

TEST_F(OAuth, RefreshTokenExpires) {
  config.tokens.refresh_expires_in = std::chrono::seconds{100};
  auto [access, refresh_token] = login();
  now += std::chrono::seconds{100};
  EXPECT_EQ(refresh(refresh_token).status, 400);
}

TEST_F(OAuth, AccessTokenExpiresAfterConfiguredSeconds) {
  config.tokens.access_expires_in = std::chrono::seconds{2};
  auto [access, refresh_token] = login();
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access).status, 200);
  now += std::chrono::seconds{2};
  auto res = bearer("GET", "/rest/v2/oauth/connect/userinfo", access);
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(
      res.body,
      R"({"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}})");
}

TEST_F(OAuth, RefreshRevokesPreviousAccessToken) {
  auto [access1, refresh1] = login();
  auto access2 = std::string(body(refresh(refresh1)).at("access_token").as_string());
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access1).status, 401);
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access2).status, 200);
}

TEST_F(OAuth, ExpiringAccessTokensKeepsTheRefreshTokenUsable) {
  auto [access, refresh_token] = login();
  auto res = call("POST", "/_sandbox/tokens/expire");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("expired").as_int64(), 1);
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access).status, 401);
  auto fresh = refresh(refresh_token);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  const auto access2 = std::string(body(fresh).at("access_token").as_string());
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access2).status, 200);
  EXPECT_EQ(body(call("POST", "/_sandbox/tokens/expire")).at("expired").as_int64(), 1);
}

TEST_F(OAuth, NewAuthorizationRevokesOlderChain) {
  auto [access1, refresh1] = login();
  auto [access2, refresh2] = login();
  EXPECT_EQ(refresh(refresh1).status, 400);
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access1).status, 401);
  EXPECT_EQ(refresh(refresh2).status, 200);
}

TEST_F(OAuth, MissingOrUnknownBearerIs401) {
  EXPECT_EQ(call("GET", "/rest/v2/contacts").status, 401);
  EXPECT_EQ(bearer("GET", "/rest/v2/contacts", "nope").status, 401);
  auto res = call("GET", "/rest/v2/contacts", {{"authorization", "Basic abc"}});
  EXPECT_EQ(res.status, 401);
  EXPECT_NE(res.body.find("oauth.v2.InvalidAccessToken"), std::string::npos);
}

TEST_F(OAuth, ApiKeysFromConfigAreAcceptedOthersRefused) {
  config.api_keys = {"KeapAK-one", "PAT-two"};
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "KeapAK-one").status, 200);
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "PAT-two").status, 200);
  auto res = api("GET", "/rest/v2/contacts", "", "KeapAK-sandbox-key");
  EXPECT_EQ(res.status, 401);
  EXPECT_NE(res.body.find("InvalidApiKey"), std::string::npos);
  // A key sent as a bearer token is not a key (strict reading).
  EXPECT_EQ(bearer("GET", "/rest/v2/contacts", "KeapAK-one").status, 401);
}

TEST_F(OAuth, TokensSurviveAStateRestore) {
  auto [access1, refresh1] = login();
  auto second = body(refresh(refresh1));
  auto access2 = std::string(second.at("access_token").as_string());
  auto refresh2 = std::string(second.at("refresh_token").as_string());
  auto snapshot = r().snapshot();
  router = std::make_unique<Router>(config);  // a restarted sandbox
  r().restore(snapshot);
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access2).status, 200);
  EXPECT_EQ(bearer("GET", "/rest/v2/oauth/connect/userinfo", access1).status, 401);
  EXPECT_EQ(refresh(refresh2).status, 200) << "the live refresh token still works";
  router = std::make_unique<Router>(config);
  r().restore(snapshot);
  EXPECT_EQ(refresh(refresh1).status, 400) << "a spent one stays spent";
}

TEST_F(OAuth, UnsupportedGrantType) {
  auto res = token_request("grant_type=password&username=a");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(body(res).at("error").as_string(), "unsupported_grant_type");
}

TEST_F(OAuth, UserinfoNamesTheConfiguredUser) {
  auto [access, refresh_token] = login();
  auto res = bearer("GET", "/crm/rest/v2/oauth/connect/userinfo", access);
  ASSERT_EQ(res.status, 200);
  auto v = body(res);
  EXPECT_EQ(v.at("email").as_string(), "owner@sandbox.example");
  EXPECT_EQ(v.at("tenant_id").as_string(), "sandbox.infusionsoft.com");
}

}  // namespace
}  // namespace keapsync::sandbox::test
