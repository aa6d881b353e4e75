// The per-credential rate limiter, driven by a manual clock: windows, headers, 429s, daily reset.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "base/manual_clock.hpp"
#include "keap/rate_limiter.hpp"
#include "keap/sliding_window.hpp"

namespace keapsync::keap {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::seconds(1795780800)};     // 2026-11-27T12:00:00Z
const TimePoint kMidnight{std::chrono::seconds(1795824000)};  // 2026-11-28T00:00:00Z
constexpr const char* kMidnightMs = "1795824000000";

Random fixed(double v) {
  return [v] { return v; };
}

// Only the windows a test names.
RateLimits only(std::int64_t per_minute, std::int64_t per_day = 0) {
  RateLimits l;
  l.spike_per_second = 0;
  l.per_second = 0;
  l.tenant_per_minute = 0;
  l.per_minute = per_minute;
  l.per_day = per_day;
  return l;
}

// Grants as fast as the limiter allows (waiting exactly until retry_at) until `end`.
std::vector<TimePoint> drain(RateLimiter& limiter, ManualClock& clock, TimePoint end) {
  std::vector<TimePoint> grants;
  while (clock.now() < end) {
    const auto p = limiter.acquire(clock.now());
    if (p.granted) {
      grants.push_back(clock.now());
    } else {
      EXPECT_GT(p.retry_at, clock.now());
      clock.set(p.retry_at);
    }
  }
  return grants;
}

// The largest number of grants in any half-open window of length `w`.
std::size_t max_in_window(const std::vector<TimePoint>& grants, Duration w) {
  std::size_t best = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < grants.size(); ++i) {
    while (grants[i] - grants[first] >= w)
      ++first;
    best = std::max(best, i - first + 1);
  }
  return best;
}

TEST(RateLimiter, MinuteWindowExhaustsAndFrees) {
  ManualClock clock(kStart);
  RateLimiter limiter(only(5), clock.now(), fixed(0));
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(limiter.acquire(clock.now()).granted) << i;
  const auto denied = limiter.acquire(clock.now());
  EXPECT_FALSE(denied.granted);
  EXPECT_EQ(denied.retry_at, kStart + 60s);
  clock.advance(60s - 1ms);
  EXPECT_FALSE(limiter.acquire(clock.now()).granted);
  clock.advance(1ms);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
}

TEST(SlidingWindow, ARestampedGrantCountsFromWhenItReachedTheServer) {
  SlidingWindow w(10, 1s);
  for (int i = 0; i < 10; ++i)
    w.take(kStart);
  // The first five waited for a handshake: the server had them 300 ms later.
  for (int i = 0; i < 5; ++i)
    w.restamp(kStart, kStart + 300ms);
  EXPECT_EQ(w.ready_at(kStart + 1s), kStart + 1s);  // the five sent at once are gone
  w.take(kStart + 1s);
  w.take(kStart + 1s);
  w.take(kStart + 1s);
  w.take(kStart + 1s);
  w.take(kStart + 1s);
  EXPECT_EQ(w.ready_at(kStart + 1s), kStart + 1300ms);  // not while Keap still counts those
}

TEST(SlidingWindow, RestampIgnoresAnEarlierTime) {
  SlidingWindow w(2, 1s);
  w.take(kStart);
  w.take(kStart + 100ms);
  w.restamp(kStart + 100ms, kStart);  // not later
  EXPECT_EQ(w.ready_at(kStart + 200ms), kStart + 1s);
  w.restamp(kStart, kStart + 500ms);
  EXPECT_EQ(w.ready_at(kStart + 200ms), kStart + 1100ms);  // the one at 100 ms leaves first now
}

TEST(SlidingWindow, AGrantThatLeftTheWindowBeforeItReachedTheServerCountsAgain) {
  // The handshake took longer than the window.
  SlidingWindow w(1, 1s);
  w.take(kStart);
  EXPECT_EQ(w.ready_at(kStart + 1100ms), kStart + 1100ms);  // expired from the log
  w.restamp(kStart, kStart + 1050ms);
  EXPECT_EQ(w.available(kStart + 1100ms), 0);
  EXPECT_EQ(w.ready_at(kStart + 1100ms), kStart + 2050ms);
}

TEST(RateLimiter, AGrantThatReachedKeapLateHoldsItsPlaceLonger) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::api_key(), clock.now(), fixed(0));
  std::vector<TimePoint> granted;
  while (limiter.acquire(clock.now()).granted)
    granted.push_back(clock.now());
  ASSERT_FALSE(granted.empty());
  // Every connection was new: Keap had each request 300 ms after its permit.
  for (const auto t : granted)
    limiter.restamp(t, t + 300ms);
  const auto next = limiter.acquire(granted.front() + 1s);
  EXPECT_FALSE(next.granted);
  EXPECT_GE(next.retry_at, granted.front() + 1300ms);
}

TEST(RateLimiter, KeyLimitsHoldInEveryRollingWindow) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::api_key(), clock.now(), fixed(0));
  const auto grants = drain(limiter, clock, kStart + 3min);
  EXPECT_LE(max_in_window(grants, 1s), 10u);
  EXPECT_EQ(max_in_window(grants, 60s), 240u);
  EXPECT_EQ(grants.size(), 3u * 240u);
  // The first ten go at once; the eleventh waits for the per-second window.
  EXPECT_EQ(grants[9], kStart);
  EXPECT_EQ(grants[10], kStart + 1s);
}

TEST(RateLimiter, OAuthLimitsHoldInEveryRollingWindow) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  const auto grants = drain(limiter, clock, kStart + 2min);
  EXPECT_LE(max_in_window(grants, 1s), 25u);     // spike arrest
  EXPECT_LE(max_in_window(grants, 400ms), 10u);  // smoothed: no full-second burst
  EXPECT_EQ(max_in_window(grants, 60s), 1500u);
  EXPECT_EQ(grants.size(), 3000u);
}

TEST(RateLimiter, DailyQuotaResetsAtMidnightUtc) {
  ManualClock clock(kStart);
  RateLimiter limiter(only(0, 3), clock.now(), fixed(0));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limiter.acquire(clock.now()).granted);
  const auto denied = limiter.acquire(clock.now());
  EXPECT_FALSE(denied.granted);
  EXPECT_EQ(denied.retry_at, kMidnight);
  EXPECT_EQ(limiter.daily_resets_at(), kMidnight);
  clock.set(kMidnight - 1ns);
  EXPECT_FALSE(limiter.acquire(clock.now()).granted);
  clock.set(kMidnight);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
  EXPECT_EQ(limiter.daily_used(), 1);
  EXPECT_EQ(limiter.daily_resets_at(), kMidnight + 24h);
}

TEST(RateLimiter, QuotaHeadersLowerTheDailyCount) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  limiter.observe({{"x-keap-product-quota-limit", "150000"},
                   {"x-keap-product-quota-time-unit", "day"},
                   {"x-keap-product-quota-interval", "1"},
                   {"x-keap-product-quota-available", "0"},
                   {"x-keap-product-quota-used", "150000"},
                   {"x-keap-product-quota-expiry-time", kMidnightMs}},
                  clock.now());
  const auto p = limiter.acquire(clock.now());
  EXPECT_FALSE(p.granted);
  EXPECT_EQ(p.retry_at, kMidnight);
  clock.set(kMidnight);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
}

TEST(RateLimiter, QuotaHeadersAdoptKeapsLimitAndReset) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::api_key(), clock.now(), fixed(0));
  limiter.observe({{"X-Keap-Product-Quota-Limit", "25000"},
                   {"X-Keap-Product-Quota-Available", "24990"},
                   {"X-Keap-Product-Quota-Expiry-Time", kMidnightMs}},
                  clock.now());
  EXPECT_EQ(limiter.daily_limit(), 25000);
  EXPECT_EQ(limiter.daily_used(), 10);
  EXPECT_EQ(limiter.daily_resets_at(), kMidnight);
}

TEST(RateLimiter, ThrottleHeadersLowerTheMinuteWindow) {
  ManualClock clock(kStart);
  RateLimiter limiter(only(1500), clock.now(), fixed(0));
  limiter.observe({{"x-keap-product-throttle-limit", "1500"},
                   {"x-keap-product-throttle-time-unit", "minute"},
                   {"x-keap-product-throttle-interval", "1"},
                   {"x-keap-product-throttle-available", "2"}},
                  clock.now());
  EXPECT_EQ(limiter.minute_available(clock.now()), 2);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
  const auto p = limiter.acquire(clock.now());
  EXPECT_FALSE(p.granted);
  EXPECT_EQ(p.retry_at, kStart + 60s);
  // A header saying more is available than we think never raises our count.
  limiter.observe({{"x-keap-product-throttle-available", "1499"}}, clock.now());
  EXPECT_EQ(limiter.minute_available(clock.now()), 0);
}

TEST(RateLimiter, TenantHeadersAdoptTheLimitSeen) {
  ManualClock clock(kStart);
  RateLimits l = only(0);
  l.tenant_per_minute = 10000;
  RateLimiter limiter(l, clock.now(), fixed(0));
  limiter.observe({{"x-keap-tenant-id", "ab103.infusionsoft.com"},
                   {"x-keap-tenant-throttle-limit", "5000"},
                   {"x-keap-tenant-throttle-time-unit", "minute"},
                   {"x-keap-tenant-throttle-interval", "1"},
                   {"x-keap-tenant-throttle-available", "4990"}},
                  clock.now());
  EXPECT_EQ(limiter.tenant_minute_available(clock.now()), 4990);
}

TEST(RateLimiter, SpikeLimitHeaderIsAdopted) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  EXPECT_EQ(limiter.spike_per_second(), 25);
  limiter.observe({{"x-keap-product-spike-limit", "10ps"}}, clock.now());
  EXPECT_EQ(limiter.spike_per_second(), 10);
  limiter.observe({{"x-keap-product-spike-limit", ""}}, clock.now());
  limiter.observe({{"x-keap-product-spike-limit", "fast"}}, clock.now());
  EXPECT_EQ(limiter.spike_per_second(), 10);
  const auto grants = drain(limiter, clock, kStart + 5s);
  EXPECT_LE(max_in_window(grants, 1s), 10u);
}

TEST(RateLimiter, GarbageHeadersAreIgnored) {
  ManualClock clock(kStart);
  RateLimiter limiter(only(240, 30000), clock.now(), fixed(0));
  limiter.observe({{"x-keap-product-throttle-available", "-3"},
                   {"x-keap-product-throttle-limit", "lots"},
                   {"x-keap-product-quota-available", "1e3"},
                   {"x-keap-product-quota-limit", "999999999999999999999"},
                   {"x-keap-product-quota-expiry-time", "tomorrow"}},
                  clock.now());
  EXPECT_EQ(limiter.minute_available(clock.now()), 240);
  EXPECT_EQ(limiter.daily_used(), 0);
  EXPECT_EQ(limiter.daily_limit(), 30000);
  EXPECT_EQ(limiter.daily_resets_at(), kMidnight);
  // A group that describes another window than ours is ignored whole.
  limiter.observe(
      {{"x-keap-product-throttle-time-unit", "second"}, {"x-keap-product-throttle-available", "0"}},
      clock.now());
  EXPECT_EQ(limiter.minute_available(clock.now()), 240);
}

TEST(RateLimiter, StaleQuotaHeadersFromYesterdayAreIgnored) {
  ManualClock clock(kMidnight + 1s);
  RateLimiter limiter(only(0, 30000), clock.now(), fixed(0));
  // A slow response from before midnight: its window ended at kMidnight.
  limiter.observe(
      {{"x-keap-product-quota-available", "0"}, {"x-keap-product-quota-expiry-time", kMidnightMs}},
      clock.now());
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
}

TEST(RateLimiter, TooManyRequestsWithRetryAfterSeconds) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  EXPECT_EQ(limiter.on_throttled({{"Retry-After", "30"}}, clock.now()), kStart + 30s);
  EXPECT_EQ(limiter.acquire(clock.now()).retry_at, kStart + 30s);
  clock.advance(30s);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
}

TEST(RateLimiter, TooManyRequestsWithRetryAfterDate) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  EXPECT_EQ(limiter.on_throttled({{"retry-after", "Fri, 27 Nov 2026 12:02:00 GMT"}}, clock.now()),
            kStart + 2min);
}

TEST(RateLimiter, JitterIsAddedWithinItsBound) {
  ManualClock clock(kStart);
  // Full draw: 30 s pause + max(1 s, 3 s) of jitter.
  RateLimiter high(RateLimits::oauth(), clock.now(), fixed(1.0));
  EXPECT_EQ(high.on_throttled({{"Retry-After", "30"}}, clock.now()), kStart + 33s);
  RateLimiter half(RateLimits::oauth(), clock.now(), fixed(0.5));
  EXPECT_EQ(half.on_throttled({{"Retry-After", "2"}}, clock.now()), kStart + 2500ms);
  for (int i = 0; i < 100; ++i) {
    RateLimiter fresh(RateLimits::oauth(), clock.now(), make_random());
    const auto until = fresh.on_throttled({{"Retry-After", "10"}}, clock.now());
    EXPECT_GE(until, kStart + 10s);
    EXPECT_LE(until, kStart + 11s);
  }
}

TEST(RateLimiter, ConcurrentTooManyRequestsOfOneBurstPauseLikeOne) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  // Five requests sent together are refused one after the other.
  const auto sent = clock.now();
  clock.advance(300ms);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.on_throttled({}, clock.now(), sent), clock.now() + 2s) << i;
    clock.advance(1ms);
  }
  EXPECT_EQ(limiter.throttled_streak(), 1);
  // One sent after them is refused too: that is a streak.
  clock.set(limiter.paused_until());
  EXPECT_EQ(limiter.on_throttled({}, clock.now(), clock.now()), clock.now() + 4s);
}

TEST(RateLimiter, TooManyRequestsWithoutRetryAfterUsesExpiryHeaders) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  const auto until = limiter.on_throttled(
      {{"x-keap-product-quota-available", "0"}, {"x-keap-product-quota-expiry-time", kMidnightMs}},
      clock.now());
  EXPECT_EQ(until, kMidnight);
  // Minute throttle with an expiry stamp (not documented, honoured when present).
  RateLimiter minute(RateLimits::oauth(), clock.now(), fixed(0));
  const std::string in_40s = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>((kStart + 40s).time_since_epoch())
          .count());
  EXPECT_EQ(minute.on_throttled({{"x-keap-product-throttle-available", "0"},
                                 {"x-keap-product-throttle-expiry-time", in_40s}},
                                clock.now()),
            kStart + 40s);
}

TEST(RateLimiter, TooManyRequestsWithoutHeadersBacksOffAndCaps) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  for (const auto expected : {2s, 4s, 8s, 16s, 32s, 60s, 60s}) {
    EXPECT_EQ(limiter.on_throttled({}, clock.now()) - clock.now(), expected);
    clock.set(limiter.paused_until());
  }
  EXPECT_EQ(limiter.throttled_streak(), 7);
  // Garbage Retry-After falls back to the same backoff.
  limiter.observe({}, clock.now());  // a normal response ends the streak
  EXPECT_EQ(limiter.throttled_streak(), 0);
  EXPECT_EQ(limiter.on_throttled({{"Retry-After", "later"}}, clock.now()) - clock.now(), 2s);
}

TEST(RateLimiter, AbsurdRetryAfterIsCapped) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  EXPECT_EQ(limiter.on_throttled({{"Retry-After", "999999999"}}, clock.now()), kStart + 25h);
}

TEST(RateLimiter, ShorterPauseNeverShortensALongerOne) {
  ManualClock clock(kStart);
  RateLimiter limiter(RateLimits::oauth(), clock.now(), fixed(0));
  limiter.on_throttled({{"Retry-After", "60"}}, clock.now());
  EXPECT_EQ(limiter.on_throttled({{"Retry-After", "5"}}, clock.now()), kStart + 60s);
}

TEST(RateLimiter, AccountsAreIndependent) {
  ManualClock clock(kStart);
  RateLimiter a(only(2), clock.now(), fixed(0));
  RateLimiter b(only(2), clock.now(), fixed(0));
  EXPECT_TRUE(a.acquire(clock.now()).granted);
  EXPECT_TRUE(a.acquire(clock.now()).granted);
  EXPECT_FALSE(a.acquire(clock.now()).granted);
  a.on_throttled({{"Retry-After", "600"}}, clock.now());
  EXPECT_TRUE(b.acquire(clock.now()).granted);
  EXPECT_TRUE(b.acquire(clock.now()).granted);
}

TEST(RateLimiter, ClockGoingBackNeverGrantsMoreOrWaitsNegative) {
  ManualClock clock(kStart);
  RateLimiter limiter(only(3, 100), clock.now(), fixed(0));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limiter.acquire(clock.now()).granted);
  clock.set(kStart - 1h);
  const auto p = limiter.acquire(clock.now());
  EXPECT_FALSE(p.granted);
  EXPECT_GE(p.retry_at, clock.now());
  clock.set(kStart + 60s);
  EXPECT_TRUE(limiter.acquire(clock.now()).granted);
}

TEST(RateLimits, CallsInFlightFollowTheSustainedRateAndTheLatency) {
  // OAuth: 1,500/min is 25/s, as the spike arrest; keys: 240/min is 4/s.
  EXPECT_EQ(calls_in_flight(RateLimits::oauth(), 1s), 25);
  EXPECT_EQ(calls_in_flight(RateLimits::oauth(), 300ms), 8);
  EXPECT_EQ(calls_in_flight(RateLimits::api_key(), 1s), 4);
  EXPECT_EQ(calls_in_flight(RateLimits::api_key(), 10ms), 1);
  EXPECT_EQ(calls_in_flight(only(0), 1s), 1);  // no limit: nothing to size by
  auto raised = RateLimits::oauth();
  raised.per_minute = 6000;
  raised.spike_per_second = 100;
  EXPECT_EQ(calls_in_flight(raised, 1s), 100);
}

TEST(RateLimits, AccountsSharingAClientGetTheLowestOfEachWindow) {
  auto a = RateLimits::oauth();
  a.per_minute = 600;
  auto b = RateLimits::oauth();
  b.per_day = 1000;
  b.per_second = 5;
  const auto both = lowest(a, b);
  EXPECT_EQ(both.per_minute, 600);
  EXPECT_EQ(both.per_day, 1000);
  EXPECT_EQ(both.per_second, 5);  // a has none: b's is the only one
  EXPECT_EQ(both.spike_per_second, 25);
}

TEST(SlidingWindow, ARemainderReportedForAnEarlierRequestLeavesOutTheGrantsAfterIt) {
  SlidingWindow minute(100, std::chrono::minutes(1));
  TimePoint t = kStart;
  for (int i = 0; i < 10; ++i)
    minute.take(t);
  const auto sent = t;  // the request Keap answers for left now...
  t += 100ms;
  for (int i = 0; i < 5; ++i)
    minute.take(t);  // ...and these after it, still on their way
  t += 200ms;
  // Another integration used 40 of the app's: Keap saw 50 left when it arrived.
  minute.limit_available(50, t, sent);
  EXPECT_EQ(minute.available(t), 45);
  // A later answer, for a request sent after all of these, is not misled by
  // what the first correction counted.
  minute.limit_available(45, t + 10ms, t);
  EXPECT_EQ(minute.available(t + 10ms), 45);
}

TEST(SlidingWindow, AnswersArrivingOutOfOrderDoNotCountOthersTwice) {
  SlidingWindow minute(100, std::chrono::minutes(1));
  TimePoint t = kStart;
  for (int i = 0; i < 10; ++i)
    minute.take(t);
  const auto first = t;  // a request leaves after our 10
  t += 100ms;
  for (int i = 0; i < 5; ++i)
    minute.take(t);
  const auto second = t;  // another after our 15
  t += 300ms;
  // The second is answered first: Keap had seen our 15 and others' 40.
  minute.limit_available(45, t, second);
  EXPECT_EQ(minute.available(t), 45);
  // Then the first: Keap had seen our 10 and the same 40 of others.
  minute.limit_available(50, t + 1ms, first);
  EXPECT_EQ(minute.available(t + 1ms), 45) << "others' grants were taken for ours";
}

}  // namespace
}  // namespace keapsync::keap
