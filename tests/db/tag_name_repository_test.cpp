// Turns to create a tag name: one holder at a time, and a holder whose turn
// ran out cannot end or lengthen the turn of the one after it.
#include "db/tag_name_repository.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "support/migrated_database.hpp"

namespace keapsync::db {
namespace {

using namespace std::chrono_literals;

class TagNameTurns : public ::testing::Test {
 protected:
  testing::MigratedDatabase db;
  TagNameRepository repo{db.conn()};

  // As when the turn's time has passed.
  void run_out() {
    db.scalar(
        "WITH t AS (UPDATE keapsync.tag_name SET creating_until = clock_timestamp() - interval "
        "'1 second' RETURNING 1) SELECT count(*) FROM t");
  }
};

TEST_F(TagNameTurns, OneHolderAtATimeUntilItsTurnRunsOut) {
  const auto first = repo.claim_creation("default", "VIP", 60s);
  ASSERT_TRUE(first);
  EXPECT_FALSE(repo.claim_creation("default", "VIP", 60s));
  EXPECT_TRUE(repo.claim_creation("other", "VIP", 60s)) << "accounts take turns apart";
  EXPECT_TRUE(repo.creation_pending("default", "VIP"));
  run_out();
  EXPECT_FALSE(repo.creation_pending("default", "VIP"));
  EXPECT_TRUE(repo.claim_creation("default", "VIP", 60s));
}

TEST_F(TagNameTurns, ALateHolderNeitherEndsNorHoldsTheNextTurn) {
  const auto late = repo.claim_creation("default", "VIP", 60s);
  ASSERT_TRUE(late);
  run_out();
  const auto next = repo.claim_creation("default", "VIP", 60s);
  ASSERT_TRUE(next);
  repo.end_creation("default", "VIP", *late);
  EXPECT_FALSE(repo.hold_creation("default", "VIP", *late, 60s));
  EXPECT_TRUE(repo.creation_pending("default", "VIP")) << "the late holder ended the next turn";
  EXPECT_FALSE(repo.claim_creation("default", "VIP", 60s));
  // The holder's own mark works, and holding gives it a new one.
  const auto held = repo.hold_creation("default", "VIP", *next, 120s);
  ASSERT_TRUE(held);
  repo.end_creation("default", "VIP", *next);
  EXPECT_TRUE(repo.creation_pending("default", "VIP")) << "the mark before the hold ended it";
  repo.end_creation("default", "VIP", *held);
  EXPECT_FALSE(repo.creation_pending("default", "VIP"));
}

TEST_F(TagNameTurns, ARecordedIdEndsTheTurnAndA404ForgetsOnlyThatId) {
  const auto mark = repo.claim_creation("default", "VIP", 60s);
  ASSERT_TRUE(mark);
  repo.record("default", "VIP", 42);
  EXPECT_EQ(repo.find("default", "VIP"), 42);
  EXPECT_FALSE(repo.claim_creation("default", "VIP", 60s));
  repo.end_creation("default", "VIP", *mark);
  EXPECT_EQ(repo.find("default", "VIP"), 42) << "ending a turn never forgets an id";
  repo.forget("default", "VIP", 7);
  EXPECT_EQ(repo.find("default", "VIP"), 42);
  repo.forget("default", "VIP", 42);
  EXPECT_FALSE(repo.find("default", "VIP"));
}

}  // namespace
}  // namespace keapsync::db
