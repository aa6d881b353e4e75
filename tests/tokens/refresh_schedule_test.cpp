// The token refresh state machine, driven by a manual clock: no sleeps, no sockets.
#include <gtest/gtest.h>

#include <vector>

#include "auth/refresh_schedule.hpp"
#include "base/manual_clock.hpp"

namespace keapsync::auth {
namespace {

using namespace std::chrono_literals;
using Kind = RefreshStep::Kind;

// 2026-11-27T12:00:00Z
const TimePoint kStart{std::chrono::seconds(1795780800)};

// A Random that replays the given values (then repeats the last one).
Random replay(std::vector<double> values) {
  auto i = std::make_shared<std::size_t>(0);
  return [values, i] {
    const double v = values[std::min(*i, values.size() - 1)];
    ++*i;
    return v;
  };
}

TokenError transient() {
  return token_transport_failure("connect timed out");
}
TokenError dead() {
  return classify_token_error(
      400, R"({"error":"invalid_request","error_description":"Invalid Refresh Token"})");
}

struct Fixture {
  ManualClock clock{kStart};
  RefreshSchedule schedule;
  explicit Fixture(RefreshPolicy policy = {}, Random random = replay({1.0}))
      : schedule(policy, std::move(random)) {}

  TimePoint now() const { return clock.now(); }
  TokenStamp stamp(std::int64_t version, std::chrono::seconds expires_in = 86400s) const {
    return {now(), expires_in, version};
  }
  // Runs one refresh that fails with `e`.
  void fail(const TokenError& e) {
    ASSERT_EQ(schedule.next(now()).kind, Kind::refresh);
    schedule.on_refresh_started(now());
    schedule.on_refresh_failed(e, now());
  }
};

TEST(RefreshSchedule, StartsBlockedWithoutTokens) {
  Fixture f;
  EXPECT_EQ(f.schedule.state(), RefreshState::reauthorization_required);
  EXPECT_EQ(f.schedule.block_reason(), BlockReason::no_tokens);
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::blocked);
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()), UnauthorizedDecision::give_up);
}

TEST(RefreshSchedule, RefreshesAtThreeQuartersOfExpiresIn) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1, 86400s), f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
  const auto step = f.schedule.next(f.now());
  EXPECT_EQ(step.kind, Kind::wait);
  EXPECT_EQ(step.until, kStart + 18h);

  f.clock.advance(18h - 1s);
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::wait);
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
  f.clock.advance(1s);
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  EXPECT_EQ(f.schedule.state(), RefreshState::due);
}

TEST(RefreshSchedule, FollowsExpiresInRatherThanAssuming24Hours) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1, 28800s), f.now());  // the 8 h tokens of 2016
  EXPECT_EQ(f.schedule.next(f.now()).until, kStart + 6h);
}

TEST(RefreshSchedule, ConfiguredFractionIsUsed) {
  RefreshPolicy p;
  p.refresh_fraction = 0.5;
  Fixture f(p);
  f.schedule.on_tokens(f.stamp(1, 86400s), f.now());
  EXPECT_EQ(f.schedule.next(f.now()).until, kStart + 12h);
}

TEST(RefreshSchedule, RefreshesAtLeastEvery30DaysWhateverExpiresInSays) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1, std::chrono::seconds(90 * 86400)), f.now());
  EXPECT_EQ(f.schedule.next(f.now()).until, kStart + 30 * 24h);
  f.clock.advance(30 * 24h);
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
}

TEST(RefreshSchedule, ZeroExpiresInDoesNotLoop) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1, 0s), f.now());
  EXPECT_EQ(f.schedule.next(f.now()).until, kStart + 1min);
}

TEST(RefreshSchedule, TokensLoadedLateAreDueAtOnce) {
  Fixture f;
  const TokenStamp old{kStart - 20h, 86400s, 4};
  f.schedule.on_tokens(old, f.now());
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  EXPECT_TRUE(f.schedule.access_token_usable(f.now()));
  f.clock.advance(4h);
  EXPECT_FALSE(f.schedule.access_token_usable(f.now()));
}

TEST(RefreshSchedule, SuccessfulRefreshStartsANewCycle) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  f.schedule.on_refresh_started(f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::refreshing);
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::wait);  // nothing to do while in flight
  f.clock.advance(2s);
  f.schedule.on_tokens(f.stamp(2), f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
  EXPECT_EQ(f.schedule.next(f.now()).until, f.now() + 18h);
  EXPECT_EQ(f.schedule.tokens()->version, 2);
}

TEST(RefreshSchedule, SameVersionReReadDuringRefreshChangesNothing) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  f.schedule.on_refresh_started(f.now());
  f.schedule.on_tokens({kStart, 86400s, 1}, f.now());  // re-read under the lock: unchanged
  EXPECT_EQ(f.schedule.state(), RefreshState::refreshing);
}

TEST(RefreshSchedule, TransientFailuresBackOffWithCappedFullJitter) {
  RefreshPolicy p;
  p.backoff_initial = 5s;
  p.backoff_max = 60s;
  p.backoff_floor = 1s;
  // Draws: the maximum each time, to read the ceilings: 5, 10, 20, 40, 60, 60.
  Fixture f(p, replay({1.0}));
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  for (const auto ceiling : {5s, 10s, 20s, 40s, 60s, 60s}) {
    f.fail(transient());
    EXPECT_EQ(f.schedule.state(), RefreshState::backing_off);
    const auto step = f.schedule.next(f.now());
    EXPECT_EQ(step.kind, Kind::wait);
    EXPECT_EQ(step.until - f.now(), ceiling);
    f.clock.advance(ceiling - 1ms);
    EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::wait);
    f.clock.advance(1ms);
  }
  EXPECT_EQ(f.schedule.consecutive_failures(), 6);
  EXPECT_EQ(f.schedule.last_error(), "token endpoint gave no HTTP response: connect timed out");
}

TEST(RefreshSchedule, JitterDrawsWithinBoundsAndNeverBelowTheFloor) {
  RefreshPolicy p;
  p.backoff_initial = 8s;
  p.backoff_max = 8s;
  p.backoff_floor = 1s;
  Fixture f(p, replay({0.0, 0.5, 0.25, 0.999}));
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  for (const auto expected : {Duration(1s), Duration(4s), Duration(2s), Duration(7992ms)}) {
    f.fail(transient());
    const auto wait = f.schedule.next(f.now()).until - f.now();
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(wait), expected);
    f.clock.advance(wait);
  }
}

TEST(RefreshSchedule, RealRandomStaysWithinBounds) {
  RefreshPolicy p;
  p.backoff_initial = 2s;
  p.backoff_max = 30s;
  Fixture f(p, make_random());
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  for (int i = 0; i < 200; ++i) {
    f.fail(transient());
    const auto wait = f.schedule.next(f.now()).until - f.now();
    EXPECT_GE(wait, p.backoff_floor);
    EXPECT_LE(wait, p.backoff_max);
    f.clock.advance(wait);
  }
}

TEST(RefreshSchedule, SuccessAfterFailuresResetsTheBackoff) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  f.fail(transient());
  f.clock.advance(10min);
  ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  f.schedule.on_refresh_started(f.now());
  f.schedule.on_tokens(f.stamp(2), f.now());
  EXPECT_EQ(f.schedule.consecutive_failures(), 0);
  EXPECT_TRUE(f.schedule.last_error().empty());
}

TEST(RefreshSchedule, DeadTokenIsTerminalUntilNewCredentials) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(7), f.now());
  f.clock.advance(18h);
  f.fail(dead());
  EXPECT_EQ(f.schedule.state(), RefreshState::reauthorization_required);
  EXPECT_EQ(f.schedule.block_reason(), BlockReason::dead_refresh_token);
  EXPECT_NE(f.schedule.last_error().find("Invalid Refresh Token"), std::string::npos);

  // Time passing, re-reading the same row, more failures, 401s: nothing moves it.
  for (int day = 0; day < 60; ++day) {
    f.clock.advance(24h);
    EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::blocked);
    f.schedule.on_tokens({kStart, 86400s, 7}, f.now());
    f.schedule.on_refresh_failed(transient(), f.now());
    EXPECT_EQ(f.schedule.on_unauthorized(7, false, f.now()), UnauthorizedDecision::give_up);
    f.schedule.on_client_credentials_changed(f.now());
  }
  EXPECT_EQ(f.schedule.state(), RefreshState::reauthorization_required);

  // `keapsync auth` stored a new pair: version 8.
  f.schedule.on_tokens(f.stamp(8), f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
  EXPECT_EQ(f.schedule.block_reason(), BlockReason::none);
  EXPECT_EQ(f.schedule.next(f.now()).until, f.now() + 18h);
}

TEST(RefreshSchedule, BadClientCredentialsBlockUntilConfigChanges) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(3), f.now());
  f.clock.advance(18h);
  f.fail(classify_token_error(401, ""));
  EXPECT_EQ(f.schedule.state(), RefreshState::reauthorization_required);
  EXPECT_EQ(f.schedule.block_reason(), BlockReason::bad_client_credentials);
  f.clock.advance(24h);
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::blocked);
  f.schedule.on_client_credentials_changed(f.now());
  EXPECT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
}

TEST(RefreshSchedule, ReReadingTheSameRowDoesNotResetTheBackoff) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  f.fail(transient());
  const auto retry_at = f.schedule.next_attempt_at();
  f.schedule.on_tokens({kStart, 86400s, 1}, f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::backing_off);
  EXPECT_EQ(f.schedule.next(f.now()).until, retry_at);
  EXPECT_EQ(f.schedule.consecutive_failures(), 1);
}

TEST(RefreshSchedule, UnauthorizedWhileBackingOffDoesNotCutTheWaitShort) {
  // The I/O layer would start a token call at once for refresh_then_retry:
  // during a backoff that turns every 401 into a token call.
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  f.fail(transient());
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()), UnauthorizedDecision::give_up);
  EXPECT_EQ(f.schedule.state(), RefreshState::backing_off);
  f.clock.advance(11min);  // past any backoff of a first failure
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()),
            UnauthorizedDecision::refresh_then_retry);
}

TEST(RefreshSchedule, ATokenIssuedInTheFutureIsNotTakenAsBrandNew) {
  // A writer whose clock runs a day ahead stored the pair: a 401 must still
  // be allowed to force a refresh.
  Fixture f;
  f.schedule.on_tokens({f.now() + 24h, 8h, 1}, f.now());
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()),
            UnauthorizedDecision::refresh_then_retry);
}

TEST(RefreshSchedule, RepeatedRejectionsBlockAfterMaxRejected) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
    f.fail(classify_token_error(403, R"({"message":"Forbidden"})"));
    EXPECT_EQ(f.schedule.state(), RefreshState::backing_off);
    f.clock.advance(61min);
  }
  ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  f.fail(classify_token_error(403, R"({"message":"Forbidden"})"));
  EXPECT_EQ(f.schedule.state(), RefreshState::reauthorization_required);
  EXPECT_EQ(f.schedule.block_reason(), BlockReason::refresh_rejected);
  // New tokens lift it.
  f.schedule.on_tokens(f.stamp(2), f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
}

TEST(RefreshSchedule, RejectedRequestWaitsLong) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  f.fail(classify_token_error(400, R"({"error":"unsupported_grant_type"})"));
  EXPECT_EQ(f.schedule.state(), RefreshState::backing_off);
  EXPECT_EQ(f.schedule.next(f.now()).until, f.now() + 1h);
}

TEST(RefreshSchedule, AnotherProcessRefreshedMeanwhile) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(18h);
  ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  f.schedule.on_refresh_started(f.now());
  // Under the lock the store shows version 2, written by the other daemon a second ago.
  f.schedule.on_tokens({f.now() - 1s, 86400s, 2}, f.now());
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
  EXPECT_EQ(f.schedule.next(f.now()).until, f.now() - 1s + 18h);
}

TEST(RefreshSchedule, UnauthorizedRefreshesOnceThenRetriesOnce) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(1), f.now());
  f.clock.advance(2h);
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()),
            UnauthorizedDecision::refresh_then_retry);
  EXPECT_EQ(f.schedule.state(), RefreshState::due);
  // A second call failing with the same token joins the same refresh.
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()),
            UnauthorizedDecision::refresh_then_retry);
  ASSERT_EQ(f.schedule.next(f.now()).kind, Kind::refresh);
  f.schedule.on_refresh_started(f.now());
  f.schedule.on_tokens(f.stamp(2), f.now());
  // A call that used the old token retries at once with the new one.
  EXPECT_EQ(f.schedule.on_unauthorized(1, false, f.now()), UnauthorizedDecision::retry_now);
  // The retry failing again: give up.
  EXPECT_EQ(f.schedule.on_unauthorized(2, true, f.now()), UnauthorizedDecision::give_up);
}

TEST(RefreshSchedule, BrandNewTokenRefusedIsNotRefreshedAgain) {
  Fixture f;
  f.schedule.on_tokens(f.stamp(5), f.now());
  f.clock.advance(10s);
  EXPECT_EQ(f.schedule.on_unauthorized(5, false, f.now()), UnauthorizedDecision::give_up);
  EXPECT_EQ(f.schedule.state(), RefreshState::fresh);
}

TEST(RefreshSchedule, NamesAreStable) {
  EXPECT_STREQ(to_string(RefreshState::reauthorization_required), "reauthorization_required");
  EXPECT_STREQ(to_string(RefreshState::backing_off), "backing_off");
  EXPECT_STREQ(to_string(BlockReason::dead_refresh_token), "dead_refresh_token");
  EXPECT_STREQ(to_string(UnauthorizedDecision::refresh_then_retry), "refresh_then_retry");
  EXPECT_STREQ(to_string(TokenErrorKind::bad_client_credentials), "bad_client_credentials");
}

}  // namespace
}  // namespace keapsync::auth
