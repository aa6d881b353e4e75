// Keap's throttling in the sandbox: x-keap-* headers, the 429 body, limits per
// credential type, rolling and daily windows, configurable small windows.
#include "router_fixture.hpp"
#include "sandbox/rate_limiter.hpp"

namespace keapsync::sandbox::test {
namespace {

using RateLimits = RouterTest;
constexpr const char* k429 =
    R"({"code":"429","message":"Quota Exceeded","status":"Request Throttled","details":null})";

TEST_F(RateLimits, KeyResponsesCarryKeapHeaders) {
  auto res = api("GET", "/rest/v2/contacts");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("x-keap-product-quota-limit"), "30000");
  EXPECT_EQ(res.header("x-keap-product-quota-time-unit"), "day");
  EXPECT_EQ(res.header("x-keap-product-quota-interval"), "1");
  EXPECT_EQ(res.header("x-keap-product-quota-available"), "29999");
  EXPECT_EQ(res.header("x-keap-product-quota-used"), "1");
  // Next 00:00 UTC after 2026-01-01T12:00Z, in epoch milliseconds.
  EXPECT_EQ(res.header("x-keap-product-quota-expiry-time"), "1767312000000");
  EXPECT_EQ(res.header("x-keap-product-throttle-limit"), "240");
  EXPECT_EQ(res.header("x-keap-product-throttle-time-unit"), "minute");
  EXPECT_EQ(res.header("x-keap-product-throttle-available"), "239");
  EXPECT_EQ(res.header("x-keap-product-spike-limit"), "10ps");
  EXPECT_EQ(res.header("x-keap-tenant-id"), "sandbox.infusionsoft.com");
  EXPECT_EQ(res.header("x-keap-tenant-throttle-limit"), "10000");
  EXPECT_FALSE(res.header("x-request-id").empty());
}

TEST_F(RateLimits, OAuthUsesItsOwnLimits) {
  auto [access, refresh_token] = login();
  auto res = bearer("GET", "/rest/v2/contacts", access);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("x-keap-product-quota-limit"), "150000");
  EXPECT_EQ(res.header("x-keap-product-throttle-limit"), "1500");
  EXPECT_EQ(res.header("x-keap-product-spike-limit"), "25ps");
}

TEST_F(RateLimits, KeySpikeArrestGives429WithKeapBody) {
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(api("GET", "/rest/v2/contacts").status, 200) << i;
  auto res = api("GET", "/rest/v2/contacts");
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.body, k429);
  EXPECT_EQ(res.header("x-keap-product-throttle-available"), "229");
  EXPECT_EQ(res.header("Retry-After"), "") << "Keap sends none that anyone has seen";
  now += std::chrono::seconds{1};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
}

TEST_F(RateLimits, SmallConfigurableWindowsRoll) {
  config.rate_limits.key_spike = {0, std::chrono::seconds{1}};
  config.rate_limits.key_throttle = {3, std::chrono::seconds{2}};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  now += std::chrono::milliseconds{1000};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  auto third = api("GET", "/rest/v2/contacts");
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(third.header("x-keap-product-throttle-time-unit"), "second");
  EXPECT_EQ(third.header("x-keap-product-throttle-interval"), "2");
  EXPECT_EQ(third.header("x-keap-product-throttle-available"), "0");
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 429);
  // The first request leaves the rolling window 2 s after it was made.
  now += std::chrono::milliseconds{1000};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 429) << "refused requests count too";
  now += std::chrono::milliseconds{2000};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
}

TEST_F(RateLimits, LimitsArePerKeyAndTenantIsShared) {
  config.api_keys = {"k1", "k2"};
  config.rate_limits.key_spike = {1, std::chrono::seconds{1}};
  config.rate_limits.tenant_throttle = {3, std::chrono::seconds{60}};
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "k1").status, 200);
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "k1").status, 429);
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "k2").status, 200)
      << "each key has its own spike arrest";
  now += std::chrono::seconds{1};
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "k2").status, 429)
      << "but the tenant's 3/min is spent";
}

TEST_F(RateLimits, DailyQuotaResetsAtMidnightUtc) {
  config.rate_limits.key_quota = {2, std::chrono::seconds{86400}};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  now += std::chrono::seconds{2};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  now += std::chrono::seconds{2};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 429);
  now += std::chrono::hours{12};  // 2026-01-02T00:00:04Z
  auto res = api("GET", "/rest/v2/contacts");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("x-keap-product-quota-used"), "1");
}

TEST_F(RateLimits, TokenEndpointAndAuthFailuresAreNotThrottled) {
  config.rate_limits.key_spike = {1, std::chrono::seconds{1}};
  EXPECT_EQ(api("GET", "/rest/v2/contacts").status, 200);
  EXPECT_EQ(api("GET", "/rest/v2/contacts", "", "wrong").status, 401);
  auto code = authorize_code();
  EXPECT_EQ(token_request("grant_type=authorization_code&code=" + code +
                          "&redirect_uri=" + percent_encode("https://shop.example/cb"))
                .status,
            200);
}

}  // namespace
}  // namespace keapsync::sandbox::test
