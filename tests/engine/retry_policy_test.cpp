// The retry schedule: full jitter under a doubling, capped ceiling; dead after
// max_attempts — alone and against the real outbox.
#include <gtest/gtest.h>

#include "db/outbox_repository.hpp"
#include "engine/failure_settlement.hpp"
#include "engine/retry_policy.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::engine {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A Random that returns the bound itself (the longest delay) and records it.
struct MaxRandom {
  std::vector<std::int64_t>* bounds;
  std::int64_t operator()(std::int64_t bound) const {
    bounds->push_back(bound);
    return bound;
  }
};

TEST(RetryPolicy, CeilingDoublesFromInitialUpToMax) {
  RetryPolicy p(seconds(10), seconds(60), 10, [](std::int64_t) { return 0; });
  EXPECT_EQ(p.ceiling(1), seconds(10));
  EXPECT_EQ(p.ceiling(2), seconds(20));
  EXPECT_EQ(p.ceiling(3), seconds(40));
  EXPECT_EQ(p.ceiling(4), seconds(60));
  EXPECT_EQ(p.ceiling(1000), seconds(60));
}

TEST(RetryPolicy, DelayIsDrawnUniformlyBelowTheCeiling) {
  std::vector<std::int64_t> bounds;
  RetryPolicy p(seconds(1), seconds(8), 10, MaxRandom{&bounds});
  EXPECT_EQ(p.after_failure(3).delay, seconds(4));
  EXPECT_EQ(bounds, std::vector<std::int64_t>{4000});
  RetryPolicy zero(seconds(1), seconds(8), 10, [](std::int64_t) { return 0; });
  EXPECT_EQ(zero.after_failure(3).delay, milliseconds(0));
}

TEST(RetryPolicy, DefaultRandomStaysWithinBounds) {
  RetryPolicy p(milliseconds(100), seconds(1), 100, default_random());
  for (int attempt = 1; attempt < 50; ++attempt) {
    const auto d = p.after_failure(attempt);
    EXPECT_FALSE(d.give_up);
    EXPECT_GE(d.delay, milliseconds(0));
    EXPECT_LE(d.delay, p.ceiling(attempt));
  }
}

TEST(RetryPolicy, GivesUpAtMaxAttempts) {
  RetryPolicy p(seconds(1), seconds(8), 3, [](std::int64_t) { return 0; });
  EXPECT_FALSE(p.after_failure(2).give_up);
  EXPECT_TRUE(p.after_failure(3).give_up);
}

TEST(RetrySchedule, TransientFailuresRetryOnScheduleThenGoDead) {
  testing::MigratedDatabase db;
  db::OutboxRepository repo(db.conn());
  std::vector<std::int64_t> bounds;
  const RetryPolicy policy(seconds(10), seconds(40), 4, MaxRandom{&bounds});
  db::ClaimOptions o;
  o.worker = "w";
  o.quotas = {{"default", 10}};
  o.lease = seconds(30);
  const auto id = db.insert("alice");
  // The wait runs on the database's clock: it passes when the lane's end is moved closer.
  const auto elapse = [&](milliseconds d) {
    db.scalar(
        "WITH moved AS (UPDATE keapsync.lane SET lease_until = lease_until - interval '" +
        std::to_string(d.count()) +
        " milliseconds' WHERE lease_until IS NOT NULL RETURNING 1) SELECT count(*) FROM moved");
  };

  std::vector<milliseconds> waits;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    auto claimed = repo.claim(o);
    ASSERT_EQ(claimed.size(), 1u) << "attempt " << attempt;
    const auto s = settle_transient_failure(claimed[0], "HTTP 503", policy);
    ASSERT_EQ(repo.settle(claimed[0], s), db::SettleResult::settled);
    if (attempt < 4) {
      // Not before the drawn delay, and exactly then.
      waits.push_back(s.retry_after);
      elapse(s.retry_after - milliseconds(1000));
      EXPECT_TRUE(repo.claim(o).empty());
      elapse(milliseconds(1000));
    }
  }
  EXPECT_EQ(bounds, (std::vector<std::int64_t>{10000, 20000, 40000}));
  EXPECT_EQ(waits, (std::vector<milliseconds>{seconds(10), seconds(20), seconds(40)}));
  const auto dead = repo.list_dead({}, 10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, id);
  EXPECT_EQ(dead[0].attempts, 4);
  EXPECT_EQ(dead[0].last_error, "gave up after 4 attempts; last error: HTTP 503");
  elapse(seconds(3600));
  EXPECT_TRUE(repo.claim(o).empty());
}

TEST(RetrySchedule, EachRowCountsItsOwnAttempts) {
  testing::MigratedDatabase db;
  db::OutboxRepository repo(db.conn());
  std::vector<std::int64_t> bounds;
  const RetryPolicy policy(seconds(10), seconds(40), 3, MaxRandom{&bounds});
  db::ClaimOptions o;
  o.worker = "w";
  o.quotas = {{"default", 10}};
  const auto old_row = db.insert("alice");
  db.scalar(
      "WITH u AS (UPDATE keapsync.outbox SET attempts = 2 RETURNING 1) SELECT count(*) FROM u");
  const auto fresh_row = db.insert("alice");
  const auto claimed = repo.claim(o);
  ASSERT_EQ(claimed.size(), 1u);
  const auto s = settle_transient_failure(claimed[0], "HTTP 503", policy);
  // The old row used its last attempt; the fresh one waits its first backoff.
  ASSERT_EQ(s.dead.size(), 1u);
  EXPECT_EQ(s.dead[0].first, old_row);
  EXPECT_EQ(s.retry, (std::vector<std::int64_t>{fresh_row}));
  EXPECT_EQ(s.retry_after, seconds(10));
}

}  // namespace
}  // namespace keapsync::engine
