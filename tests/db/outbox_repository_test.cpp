// The outbox repository against a real PostgreSQL: claiming, ordering,
// coalescing, leases, retries, dead letters, release and status.
#include <gtest/gtest.h>

#include <thread>

#include "db/outbox_repository.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::db {
namespace {

using std::chrono::seconds;

class OutboxRepositoryTest : public ::testing::Test {
 protected:
  testing::MigratedDatabase db;
  OutboxRepository repo{db.conn()};
  Timestamp t0 = Timestamp(std::chrono::hours(24 * 365 * 56));  // a fixed 2026 instant

  ClaimOptions options(const std::string& worker = "w1", int contacts = 10) {
    ClaimOptions o;
    o.worker = worker;
    o.max_contacts = contacts;
    o.lease = seconds(30);
    return o;
  }

  static std::vector<std::int64_t> ids(const ClaimedContact& c) {
    std::vector<std::int64_t> out;
    for (const auto& r : c.rows)
      out.push_back(r.id);
    return out;
  }
};

TEST_F(OutboxRepositoryTest, ClaimHandsOutAllPendingRowsOfAContactOldestFirst) {
  const auto a1 = db.insert("alice", R"({"email":"a@example.com"})");
  const auto b1 = db.insert("bob");
  const auto a2 = db.insert("alice", R"({"given_name":"Alice"})");
  const auto claimed = repo.claim(options(), t0);
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].contact_ref, "alice");
  EXPECT_EQ(ids(claimed[0]), (std::vector<std::int64_t>{a1, a2}));
  EXPECT_EQ(claimed[0].rows[0].op, "upsert");
  EXPECT_EQ(claimed[0].rows[1].payload, R"({"given_name": "Alice"})");
  EXPECT_EQ(claimed[1].contact_ref, "bob");
  EXPECT_EQ(ids(claimed[1]), (std::vector<std::int64_t>{b1}));
}

TEST_F(OutboxRepositoryTest, ClaimOrdersContactsByTheirOldestRowAndRespectsTheLimit) {
  db.insert("x");
  db.insert("y");
  db.insert("x");
  const auto first = repo.claim(options("w1", 1), t0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].contact_ref, "x");
  EXPECT_EQ(first[0].rows.size(), 2u);
  const auto second = repo.claim(options("w2", 1), t0);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].contact_ref, "y");
}

TEST_F(OutboxRepositoryTest, AHeldContactIsNeverHandedToASecondWorker) {
  db.insert("alice");
  const auto held = repo.claim(options("w1"), t0);
  ASSERT_EQ(held.size(), 1u);
  const auto later = db.insert("alice");  // arrives while w1 holds alice
  EXPECT_TRUE(repo.claim(options("w2"), t0 + seconds(1)).empty());

  ASSERT_EQ(repo.ack(held[0], t0 + seconds(2)), SettleResult::settled);
  // The row that arrived during the lease is not lost: alice is free again.
  const auto next = repo.claim(options("w2"), t0 + seconds(2));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(ids(next[0]), (std::vector<std::int64_t>{later}));
}

TEST_F(OutboxRepositoryTest, RowsPerContactAreCappedAndTheRestFollowInOrder) {
  std::vector<std::int64_t> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(db.insert("alice"));
  auto o = options();
  o.max_rows_per_contact = 3;
  const auto first = repo.claim(o, t0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(ids(first[0]), (std::vector<std::int64_t>{all[0], all[1], all[2]}));
  EXPECT_TRUE(repo.claim(o, t0).empty());
  repo.ack(first[0], t0);
  const auto second = repo.claim(o, t0);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(ids(second[0]), (std::vector<std::int64_t>{all[3], all[4]}));
}

TEST_F(OutboxRepositoryTest, AckDeletesExactlyTheRowsAndTheLane) {
  db.insert("alice");
  db.insert("alice");
  const auto claimed = repo.claim(options(), t0);
  ASSERT_EQ(repo.ack(claimed.at(0), t0), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "0");
  // Acking twice is refused: the lease is gone.
  EXPECT_EQ(repo.ack(claimed.at(0), t0), SettleResult::lease_lost);
}

TEST_F(OutboxRepositoryTest, AnExpiredLeaseHandsTheRowsToAnotherWorker) {
  const auto id = db.insert("alice");
  const auto w1 = repo.claim(options("w1"), t0);
  ASSERT_EQ(w1.size(), 1u);
  EXPECT_TRUE(repo.claim(options("w2"), t0 + seconds(29)).empty());
  const auto w2 = repo.claim(options("w2"), t0 + seconds(31));
  ASSERT_EQ(w2.size(), 1u);
  EXPECT_EQ(ids(w2[0]), (std::vector<std::int64_t>{id}));
  EXPECT_NE(w2[0].lease_token, w1[0].lease_token);
  // The first worker woke up late: its settlement is refused and changes nothing.
  EXPECT_EQ(repo.ack(w1[0], t0 + seconds(32)), SettleResult::lease_lost);
  EXPECT_EQ(repo.dead(w1[0], "late", t0 + seconds(32)), SettleResult::lease_lost);
  EXPECT_EQ(db.scalar("SELECT state FROM keapsync.outbox"), "pending");
  EXPECT_EQ(repo.ack(w2[0], t0 + seconds(33)), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
}

TEST_F(OutboxRepositoryTest, ExtendKeepsTheLeaseAlive) {
  db.insert("alice");
  const auto w1 = repo.claim(options("w1"), t0);
  ASSERT_EQ(repo.extend(w1.at(0), t0 + seconds(90)), SettleResult::settled);
  EXPECT_TRUE(repo.claim(options("w2"), t0 + seconds(60)).empty());
  EXPECT_EQ(repo.claim(options("w2"), t0 + seconds(91)).size(), 1u);
}

TEST_F(OutboxRepositoryTest, RetryCountsAnAttemptAndWaitsUntilRetryAt) {
  db.insert("alice");
  const auto first = repo.claim(options(), t0);
  ASSERT_EQ(repo.retry(first.at(0), "HTTP 503 from Keap", t0 + seconds(60), t0),
            SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT attempts || ' ' || last_error FROM keapsync.outbox"),
            "1 HTTP 503 from Keap");
  EXPECT_TRUE(repo.claim(options(), t0 + seconds(59)).empty());
  // Rows that arrive meanwhile wait with the contact: order is kept.
  db.insert("alice");
  const auto again = repo.claim(options(), t0 + seconds(61));
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].rows.size(), 2u);
  EXPECT_EQ(again[0].rows[0].attempts, 1);
  EXPECT_EQ(again[0].rows[1].attempts, 0);
}

TEST_F(OutboxRepositoryTest, ReleaseGivesTheContactBackWithoutCountingAnAttempt) {
  db.insert("alice");
  const auto held = repo.claim(options(), t0);
  ASSERT_EQ(repo.release(held.at(0)), SettleResult::settled);
  const auto again = repo.claim(options("w2"), t0);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].rows[0].attempts, 0);
}

TEST_F(OutboxRepositoryTest, DeadRowsDoNotBlockLaterRowsOfTheSameContact) {
  const auto bad = db.insert("alice", R"({"emali":"typo"})");
  const auto held = repo.claim(options(), t0);
  ASSERT_EQ(repo.dead(held.at(0), "payload.emali: unknown key", t0), SettleResult::settled);
  EXPECT_TRUE(repo.claim(options(), t0).empty());

  const auto good = db.insert("alice", R"({"email":"alice@example.com"})");
  const auto next = repo.claim(options(), t0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(ids(next[0]), (std::vector<std::int64_t>{good}));

  const auto dead = repo.list_dead({}, 100);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, bad);
  EXPECT_EQ(dead[0].contact_ref, "alice");
  EXPECT_EQ(dead[0].last_error, "payload.emali: unknown key");
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_EQ(dead[0].dead_at, t0);
}

TEST_F(OutboxRepositoryTest, MixedSettlementDeadLettersOneRowAndDeliversTheOthers) {
  const auto a = db.insert("alice");
  const auto b = db.insert("alice");
  const auto held = repo.claim(options(), t0);
  Settlement s;
  s.dead.emplace_back(a, "bad op");
  s.delivered.push_back(b);
  ASSERT_EQ(repo.settle(held.at(0), s, t0), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT string_agg(id || ':' || state, ',') FROM keapsync.outbox"),
            std::to_string(a) + ":dead");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "0");
}

TEST_F(OutboxRepositoryTest, TheKeapIdLearnedWhileDeliveringIsWrittenWithTheRowsOrNotAtAll) {
  db.insert("alice");
  const auto first = repo.claim(options(), t0);
  Settlement learned;
  learned.retry.push_back(first.at(0).rows.at(0).id);
  learned.retry_at = t0 + seconds(1);
  learned.keap_id_change = Settlement::KeapId::learned;
  learned.keap_id = "42";
  // A worker whose lease was taken over settles nothing, the map included.
  auto stale = first.at(0);
  stale.lease_token += 1000;
  EXPECT_EQ(repo.settle(stale, learned, t0), SettleResult::lease_lost);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "0");
  ASSERT_EQ(repo.settle(first.at(0), learned, t0), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT keap_id FROM keapsync.contact_map WHERE contact_ref = 'alice'"),
            "42");

  const auto second = repo.claim(options(), t0 + seconds(2));
  Settlement forgotten;
  forgotten.delivered.push_back(second.at(0).rows.at(0).id);
  forgotten.keap_id_change = Settlement::KeapId::forgotten;
  ASSERT_EQ(repo.settle(second.at(0), forgotten, t0 + seconds(2)), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "0");
}

TEST_F(OutboxRepositoryTest, DeadLetterDeskRetriesAndDiscards) {
  db.insert("alice", "{}", "upsert", "shop");
  db.insert("bob", "{}", "upsert", "other");
  db.insert("carol", "{}", "upsert", "shop");
  for (const auto& c : repo.claim(options(), t0))
    repo.dead(c, "Keap said 400", t0);
  EXPECT_TRUE(repo.claim(options(), t0).empty());
  EXPECT_EQ(repo.list_dead({{}, "shop"}, 100).size(), 2u);
  EXPECT_EQ(repo.list_dead({}, 1).size(), 1u);

  const auto bob = repo.list_dead({{}, "other"}, 10).at(0).id;
  EXPECT_EQ(repo.retry_dead({{bob}, std::nullopt}), 1);
  const auto revived = repo.claim(options(), t0);
  ASSERT_EQ(revived.size(), 1u);
  EXPECT_EQ(revived[0].contact_ref, "bob");
  EXPECT_EQ(revived[0].rows[0].attempts, 0);

  EXPECT_EQ(repo.discard_dead({{}, "shop"}), 2);
  EXPECT_TRUE(repo.list_dead({}, 100).empty());
  EXPECT_EQ(repo.discard_dead({}), 0);
}

TEST_F(OutboxRepositoryTest, StatusCountsBacklogHeldWaitingAndDeadPerAccount) {
  db.insert("alice", "{}", "upsert", "shop");
  db.insert("alice", "{}", "upsert", "shop");
  db.insert("bob", "{}", "upsert", "shop");
  db.insert("carol", "{}", "upsert", "shop");
  db.insert("dave", "{}", "upsert", "other");
  const auto claimed = repo.claim(options("w1", 3), t0);  // alice, bob, carol
  ASSERT_EQ(claimed.size(), 3u);
  repo.retry(claimed[1], "timeout", t0 + seconds(60), t0);  // bob waits
  repo.dead(claimed[2], "bad", t0);                         // carol is dead

  const auto status = repo.status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].account, "other");
  EXPECT_EQ(status[0].pending_rows, 1);
  const auto& shop = status[1];
  EXPECT_EQ(shop.account, "shop");
  EXPECT_EQ(shop.pending_rows, 3);
  EXPECT_EQ(shop.pending_contacts, 2);
  EXPECT_EQ(shop.leased_contacts, 1);
  EXPECT_EQ(shop.waiting_contacts, 1);
  EXPECT_EQ(shop.dead_rows, 1);
  ASSERT_TRUE(shop.oldest_pending.has_value());
}

TEST_F(OutboxRepositoryTest, ARowInsertedWhileTheLeaseIsSettledIsNeverOrphaned) {
  // The shop's transaction inserts while a worker holds the contact and
  // commits only after the worker has settled: the lane must survive.
  db.insert("alice");
  const auto held = repo.claim(options(), t0);
  auto shop = db.connect();
  pqxx::work shop_tx(*shop);
  shop_tx.exec("INSERT INTO keapsync.outbox (contact_ref) VALUES ('alice')");
  std::thread worker([&] {
    auto conn = db.connect();
    OutboxRepository(*conn).ack(held.at(0), t0);  // blocks on the shop's lane lock
  });
  // Commit only once the worker waits for the lane lock.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  bool waited = false;
  while (!waited && std::chrono::steady_clock::now() < deadline) {
    waited = db.scalar(
                 "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                 " AND datname = current_database()") != "0";
    if (!waited) std::this_thread::yield();
  }
  shop_tx.commit();
  worker.join();
  EXPECT_TRUE(waited) << "the worker's settle did not wait for the shop's transaction";
  const auto next = repo.claim(options(), t0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].rows.size(), 1u);
}

}  // namespace
}  // namespace keapsync::db
