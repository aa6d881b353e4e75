// The outbox repository against a real PostgreSQL: claiming, ordering,
// coalescing, leases, retries, dead letters, release and status.
#include <gtest/gtest.h>

#include <map>

#include "db/last_error.hpp"
#include "db/outbox_repository.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::db {
namespace {

using std::chrono::seconds;

class OutboxRepositoryTest : public ::testing::Test {
 protected:
  testing::MigratedDatabase db;
  OutboxRepository repo{db.conn()};

  // Leases and retry waits run on the database's clock: time passes for
  // them when every lane's end is moved that much closer.
  void elapse(std::chrono::seconds d) {
    db.scalar("WITH moved AS (UPDATE keapsync.lane SET lease_until = lease_until - interval '" +
              std::to_string(d.count()) +
              " seconds' WHERE lease_until IS NOT NULL RETURNING 1) SELECT count(*) FROM moved");
  }

  ClaimOptions options(const std::string& worker = "w1", int contacts = 10) {
    ClaimOptions o;
    o.worker = worker;
    o.max_contacts = contacts;
    o.quotas = {{"default", contacts}, {"shop", contacts}, {"other", contacts}};
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
  const auto claimed = repo.claim(options());
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].contact_ref, "alice");
  EXPECT_EQ(ids(claimed[0]), (std::vector<std::int64_t>{a1, a2}));
  EXPECT_EQ(claimed[0].rows[0].op, "upsert");
  EXPECT_EQ(claimed[0].rows[1].payload, R"({"given_name": "Alice"})");
  EXPECT_EQ(claimed[1].contact_ref, "bob");
  EXPECT_EQ(ids(claimed[1]), (std::vector<std::int64_t>{b1}));
}

TEST_F(OutboxRepositoryTest, AGoalIsMarkedSentOnlyUnderItsLeaseAndARetryUnmarksIt) {
  const auto goal = db.insert("ann", R"({"integration":"shop","call_name":"buy"})", "goal");
  const auto held = repo.claim(options());
  ASSERT_EQ(held.size(), 1u);
  EXPECT_FALSE(held[0].rows[0].sent);
  EXPECT_FALSE(repo.mark_sent(goal, held[0].lease_token + 1));  // not this lease
  elapse(seconds(31));
  EXPECT_FALSE(repo.mark_sent(goal, held[0].lease_token));  // the lease ran out
  repo.release({held[0].lease_token});
  const auto again = repo.claim(options("w2"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].rows[0].sent);
  EXPECT_TRUE(repo.mark_sent(goal, again[0].lease_token));
  ASSERT_EQ(repo.release({again[0].lease_token}), 1);
  const auto sent = repo.claim(options("w3"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].rows[0].sent);  // the next delivery must not send it again
  ASSERT_EQ(repo.retry(sent[0], "HTTP 503", seconds(0)), SettleResult::settled);
  const auto retried = repo.claim(options("w4"));
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_FALSE(retried[0].rows[0].sent);  // Keap answered: not sent, as far as it goes
}

TEST_F(OutboxRepositoryTest, ClaimOrdersContactsByTheirOldestRowAndRespectsTheLimit) {
  db.insert("x");
  db.insert("y");
  db.insert("x");
  const auto first = repo.claim(options("w1", 1));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].contact_ref, "x");
  EXPECT_EQ(first[0].rows.size(), 2u);
  const auto second = repo.claim(options("w2", 1));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].contact_ref, "y");
}

TEST_F(OutboxRepositoryTest, AHeldContactIsNeverHandedToASecondWorker) {
  db.insert("alice");
  const auto held = repo.claim(options("w1"));
  ASSERT_EQ(held.size(), 1u);
  const auto later = db.insert("alice");  // arrives while w1 holds alice
  EXPECT_TRUE(repo.claim(options("w2")).empty());

  ASSERT_EQ(repo.ack(held[0]), SettleResult::settled);
  // The row that arrived during the lease is not lost: alice is free again.
  const auto next = repo.claim(options("w2"));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(ids(next[0]), (std::vector<std::int64_t>{later}));
}

TEST_F(OutboxRepositoryTest, EachAccountTakesAtMostItsQuotaAndUnnamedAccountsAreLeftPending) {
  for (int i = 0; i < 5; ++i)
    db.insert("busy" + std::to_string(i), "{}", "upsert", "shop");  // the oldest rows
  db.insert("quiet", "{}", "upsert", "other");
  db.insert("stranger", "{}", "upsert", "unknown");
  auto o = options("w1", 3);
  o.quotas = {{"shop", 2}, {"other", 2}};
  const auto claimed = repo.claim(o);
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].account, "shop");
  EXPECT_EQ(claimed[1].account, "shop");
  EXPECT_EQ(claimed[2].account, "other");  // newer than shop's backlog, yet not starved
  o.quotas = {{"shop", 10}, {"other", 10}};
  EXPECT_EQ(repo.claim(o).size(), 3u);  // shop's rest; "unknown" is nobody's here
  EXPECT_TRUE(repo.claim(o).empty());
  EXPECT_EQ(db.scalar("SELECT state FROM keapsync.outbox WHERE account = 'unknown'"), "pending");
}

TEST_F(OutboxRepositoryTest, AContactWhoseClaimsKeepEndingWithoutASettlementGoesDead) {
  const auto poison = db.insert("poison");
  auto o = options();
  o.max_unsettled_claims = 3;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(repo.claim(o).size(), 1u) << "claim " << i + 1;
    elapse(seconds(31));  // the daemon died: the lease runs out
  }
  EXPECT_TRUE(repo.claim(o).empty());  // the fourth claim buries the claimed rows
  const auto later = db.insert("poison");
  const auto dead = repo.list_dead({}, 10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, poison);
  EXPECT_NE(dead[0].last_error.find("internal: delivering this contact ended 3 times"),
            std::string::npos)
      << dead[0].last_error;
  // A row that arrives afterwards starts afresh.
  const auto next = repo.claim(o);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(ids(next[0]), (std::vector<std::int64_t>{later}));
}

TEST_F(OutboxRepositoryTest, SettlingOrReleasingClearsTheCountOfUnsettledClaims) {
  db.insert("alice");
  auto o = options();
  o.max_unsettled_claims = 1;
  const auto first = repo.claim(o);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(repo.release({first[0].lease_token}), 1);  // a shutdown is not the row's fault
  const auto second = repo.claim(o);
  ASSERT_EQ(second.size(), 1u);
  ASSERT_EQ(repo.retry(second[0], "HTTP 503", seconds(0)), SettleResult::settled);
  const auto third = repo.claim(o);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_TRUE(repo.list_dead({}, 10).empty());
}

TEST_F(OutboxRepositoryTest, PendingRowsWithoutALaneGetOneBack) {
  // A restore copies rows in with the trigger disabled: no lane, no claim.
  db.scalar(
      "WITH r AS (INSERT INTO keapsync.outbox (contact_ref) VALUES ('a'), ('a'), ('b') RETURNING 1)"
      " SELECT count(*) FROM r");
  db.scalar("WITH d AS (DELETE FROM keapsync.lane RETURNING 1) SELECT count(*) FROM d");
  EXPECT_TRUE(repo.claim(options()).empty());
  EXPECT_EQ(repo.restore_lanes(), 2);
  EXPECT_EQ(repo.restore_lanes(), 0);
  const auto claimed = repo.claim(options());
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].rows.size(), 2u);
}

TEST_F(OutboxRepositoryTest, RowsPerContactAreCappedAndTheRestFollowInOrder) {
  std::vector<std::int64_t> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(db.insert("alice"));
  auto o = options();
  o.max_rows_per_contact = 3;
  const auto first = repo.claim(o);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(ids(first[0]), (std::vector<std::int64_t>{all[0], all[1], all[2]}));
  EXPECT_TRUE(repo.claim(o).empty());
  repo.ack(first[0]);
  const auto second = repo.claim(o);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(ids(second[0]), (std::vector<std::int64_t>{all[3], all[4]}));
}

TEST_F(OutboxRepositoryTest, APayloadOverTheByteCapIsNotFetchedButItsSizeIs) {
  ClaimOptions o = options();
  o.max_payload_bytes = 100;
  // jsonb renders {"given_name": "xx…"}: 18 bytes of frame around the value.
  const auto at_cap = db.insert("alice", R"({"given_name":")" + std::string(82, 'x') + "\"}");
  const auto over = db.insert("alice", R"({"given_name":")" + std::string(83, 'x') + "\"}");
  const auto deleted = std::stoll(db.scalar(
      "INSERT INTO keapsync.outbox (account, contact_ref, op) VALUES ('default', 'bob', 'delete')"
      " RETURNING id"));  // payload SQL NULL
  const auto claimed = repo.claim(o);
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_EQ(ids(claimed[0]), (std::vector<std::int64_t>{at_cap, over}));
  EXPECT_EQ(claimed[0].rows[0].payload_bytes, 100);
  EXPECT_EQ(claimed[0].rows[0].payload->size(), 100u);
  EXPECT_EQ(claimed[0].rows[1].payload_bytes, 101);
  EXPECT_FALSE(claimed[0].rows[1].payload.has_value());
  ASSERT_EQ(ids(claimed[1]), (std::vector<std::int64_t>{deleted}));
  EXPECT_EQ(claimed[1].rows[0].payload_bytes, 0);
  EXPECT_FALSE(claimed[1].rows[0].payload.has_value());
  // The withheld row still goes dead the usual way.
  Settlement s;
  s.dead.emplace_back(over, "too big");
  s.delivered.push_back(at_cap);
  ASSERT_EQ(repo.settle(claimed[0], s), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT state || ' ' || last_error FROM keapsync.outbox WHERE id = " +
                      std::to_string(over)),
            "dead too big");
}

TEST_F(OutboxRepositoryTest, LastErrorIsCappedOnACharacterBoundary) {
  db.insert("alice");
  db.insert("bob");
  const auto claimed = repo.claim(options());
  ASSERT_EQ(claimed.size(), 2u);
  std::string long_error = "x";  // then €s (3 bytes): the cap falls inside one
  for (int i = 0; i < 2000; ++i)
    long_error += "\xE2\x82\xAC";
  ASSERT_EQ(repo.dead(claimed[0], long_error), SettleResult::settled);
  ASSERT_EQ(repo.retry(claimed[1], long_error, std::chrono::milliseconds(0)),
            SettleResult::settled);
  for (const auto* ref : {"alice", "bob"}) {
    const auto stored = db.scalar(
        std::string("SELECT last_error FROM keapsync.outbox WHERE contact_ref = '") + ref + "'");
    EXPECT_LE(stored.size(), kMaxLastErrorBytes) << ref;
    EXPECT_GT(stored.size(), kMaxLastErrorBytes - 10) << ref;
    EXPECT_TRUE(stored.ends_with("\xE2\x82\xAC... (6001 bytes in all)")) << stored;
  }
  EXPECT_EQ(capped_error("short"), "short");
  // A NUL ends the text, as it would in a libpq parameter (a text[] literal refuses it).
  EXPECT_EQ(capped_error(std::string("cut\0here", 8)), "cut");
  EXPECT_EQ(capped_error(std::string(kMaxLastErrorBytes, 'x')),
            std::string(kMaxLastErrorBytes, 'x'));
}

TEST_F(OutboxRepositoryTest, AckDeletesExactlyTheRowsAndTheLane) {
  db.insert("alice");
  db.insert("alice");
  const auto claimed = repo.claim(options());
  ASSERT_EQ(repo.ack(claimed.at(0)), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "0");
  // Acking twice is refused: the lease is gone.
  EXPECT_EQ(repo.ack(claimed.at(0)), SettleResult::lease_lost);
}

TEST_F(OutboxRepositoryTest, AnExpiredLeaseHandsTheRowsToAnotherWorker) {
  const auto id = db.insert("alice");
  const auto w1 = repo.claim(options("w1"));
  ASSERT_EQ(w1.size(), 1u);
  elapse(seconds(29));
  EXPECT_TRUE(repo.claim(options("w2")).empty());
  elapse(seconds(2));
  const auto w2 = repo.claim(options("w2"));
  ASSERT_EQ(w2.size(), 1u);
  EXPECT_EQ(ids(w2[0]), (std::vector<std::int64_t>{id}));
  EXPECT_NE(w2[0].lease_token, w1[0].lease_token);
  // The first worker woke up late: its settlement is refused and changes nothing.
  EXPECT_EQ(repo.ack(w1[0]), SettleResult::lease_lost);
  EXPECT_EQ(repo.dead(w1[0], "late"), SettleResult::lease_lost);
  EXPECT_EQ(db.scalar("SELECT state FROM keapsync.outbox"), "pending");
  EXPECT_EQ(repo.ack(w2[0]), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
}

TEST_F(OutboxRepositoryTest, RenewKeepsLeasesAliveAndNamesTheLostOnes) {
  db.insert("alice");
  db.insert("bob");
  const auto w1 = repo.claim(options("w1"));
  ASSERT_EQ(w1.size(), 2u);
  elapse(seconds(20));
  const auto renewal = repo.renew({w1[0].lease_token, w1[1].lease_token + 1000}, seconds(30));
  EXPECT_EQ(renewal.renewed, (std::vector<std::int64_t>{w1[0].lease_token}));
  EXPECT_EQ(renewal.lost, (std::vector<std::int64_t>{w1[1].lease_token + 1000}));
  elapse(seconds(20));  // 40 s after the claim: alice was renewed, bob was not
  const auto w2 = repo.claim(options("w2"));
  ASSERT_EQ(w2.size(), 1u);
  EXPECT_EQ(w2[0].contact_ref, "bob");
  elapse(seconds(11));
  EXPECT_EQ(repo.claim(options("w2")).size(), 1u);
}

TEST_F(OutboxRepositoryTest, RenewAndReleaseSkipALaneAShopTransactionHoldsWithoutWaiting) {
  db.insert("alice");
  db.insert("bob");
  const auto held = repo.claim(options());
  ASSERT_EQ(held.size(), 2u);
  auto shop = db.connect();
  pqxx::work shop_tx(*shop);
  shop_tx.exec("INSERT INTO keapsync.outbox (contact_ref) VALUES ('alice')");
  const auto started = std::chrono::steady_clock::now();
  const auto renewal = repo.renew({held[0].lease_token, held[1].lease_token}, seconds(30));
  EXPECT_EQ(renewal.renewed, (std::vector<std::int64_t>{held[1].lease_token}));
  EXPECT_TRUE(renewal.lost.empty());
  EXPECT_EQ(repo.release({held[0].lease_token, held[1].lease_token}), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  shop_tx.commit();
  EXPECT_EQ(repo.release({held[0].lease_token}), 1);
  EXPECT_EQ(repo.claim(options("w2")).size(), 2u);
}

TEST_F(OutboxRepositoryTest, RetryCountsAnAttemptAndWaitsUntilRetryAt) {
  db.insert("alice");
  const auto first = repo.claim(options());
  ASSERT_EQ(repo.retry(first.at(0), "HTTP 503 from Keap", seconds(60)), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT attempts || ' ' || last_error FROM keapsync.outbox"),
            "1 HTTP 503 from Keap");
  elapse(seconds(59));
  EXPECT_TRUE(repo.claim(options()).empty());
  // Rows that arrive meanwhile wait with the contact: order is kept.
  db.insert("alice");
  elapse(seconds(2));
  const auto again = repo.claim(options());
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].rows.size(), 2u);
  EXPECT_EQ(again[0].rows[0].attempts, 1);
  EXPECT_EQ(again[0].rows[1].attempts, 0);
}

TEST_F(OutboxRepositoryTest, ReleaseGivesTheContactBackWithoutCountingAnAttempt) {
  db.insert("alice");
  const auto held = repo.claim(options());
  ASSERT_EQ(repo.release({held.at(0).lease_token}), 1);
  const auto again = repo.claim(options("w2"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].rows[0].attempts, 0);
}

TEST_F(OutboxRepositoryTest, DeadRowsDoNotBlockLaterRowsOfTheSameContact) {
  const auto bad = db.insert("alice", R"({"emali":"typo"})");
  const auto held = repo.claim(options());
  ASSERT_EQ(repo.dead(held.at(0), "payload.emali: unknown key"), SettleResult::settled);
  EXPECT_TRUE(repo.claim(options()).empty());

  const auto good = db.insert("alice", R"({"email":"alice@example.com"})");
  const auto next = repo.claim(options());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(ids(next[0]), (std::vector<std::int64_t>{good}));

  const auto dead = repo.list_dead({}, 100);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, bad);
  EXPECT_EQ(dead[0].contact_ref, "alice");
  EXPECT_EQ(dead[0].last_error, "payload.emali: unknown key");
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_EQ(db.scalar("SELECT dead_at = last_attempt_at AND dead_at <= now() FROM keapsync.outbox"
                      " WHERE state = 'dead'"),
            "t");
}

TEST_F(OutboxRepositoryTest, MixedSettlementDeadLettersOneRowAndDeliversTheOthers) {
  const auto a = db.insert("alice");
  const auto b = db.insert("alice");
  const auto held = repo.claim(options());
  Settlement s;
  s.dead.emplace_back(a, "bad op");
  s.delivered.push_back(b);
  ASSERT_EQ(repo.settle(held.at(0), s), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT string_agg(id || ':' || state, ',') FROM keapsync.outbox"),
            std::to_string(a) + ":dead");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "0");
}

TEST_F(OutboxRepositoryTest, TheKeapIdLearnedWhileDeliveringIsWrittenWithTheRowsOrNotAtAll) {
  db.insert("alice");
  const auto first = repo.claim(options());
  Settlement learned;
  learned.retry.push_back(first.at(0).rows.at(0).id);
  learned.retry_after = seconds(1);
  learned.keap_id_change = Settlement::KeapId::learned;
  learned.keap_id = "42";
  // A worker whose lease was taken over settles nothing, the map included.
  auto stale = first.at(0);
  stale.lease_token += 1000;
  EXPECT_EQ(repo.settle(stale, learned), SettleResult::lease_lost);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "0");
  ASSERT_EQ(repo.settle(first.at(0), learned), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT keap_id FROM keapsync.contact_map WHERE contact_ref = 'alice'"),
            "42");

  elapse(seconds(2));
  const auto second = repo.claim(options());
  Settlement forgotten;
  forgotten.delivered.push_back(second.at(0).rows.at(0).id);
  forgotten.keap_id_change = Settlement::KeapId::forgotten;
  ASSERT_EQ(repo.settle(second.at(0), forgotten), SettleResult::settled);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "0");
}

TEST_F(OutboxRepositoryTest, DeadLetterDeskRetriesAndDiscards) {
  db.insert("alice", "{}", "upsert", "shop");
  db.insert("bob", "{}", "upsert", "other");
  db.insert("carol", "{}", "upsert", "shop");
  for (const auto& c : repo.claim(options()))
    repo.dead(c, "Keap said 400");
  EXPECT_TRUE(repo.claim(options()).empty());
  EXPECT_EQ(repo.list_dead({{}, "shop"}, 100).size(), 2u);
  EXPECT_EQ(repo.list_dead({}, 1).size(), 1u);

  const auto bob = repo.list_dead({{}, "other"}, 10).at(0).id;
  EXPECT_EQ(repo.retry_dead({{bob}, std::nullopt}), 1);
  const auto revived = repo.claim(options());
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
  const auto claimed = repo.claim(options("w1", 3));  // alice, bob, carol
  ASSERT_EQ(claimed.size(), 3u);
  repo.retry(claimed[1], "timeout", seconds(60));  // bob waits
  repo.dead(claimed[2], "bad");                    // carol is dead

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

TEST_F(OutboxRepositoryTest, ASettleMeetingAShopTransactionIsBusyAndTheRowIsNeverOrphaned) {
  // The shop's transaction inserts while a worker holds the contact and
  // commits only after the worker has settled: the lane must survive, and the
  // worker must not wait on the shop meanwhile.
  db.insert("alice");
  const auto held = repo.claim(options());
  auto shop = db.connect();
  pqxx::work shop_tx(*shop);
  shop_tx.exec("INSERT INTO keapsync.outbox (contact_ref) VALUES ('alice')");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(repo.ack(held.at(0)), SettleResult::busy);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "1");  // nothing written
  shop_tx.commit();
  EXPECT_EQ(repo.ack(held.at(0)), SettleResult::settled);
  const auto next = repo.claim(options());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].rows.size(), 1u);
}

TEST_F(OutboxRepositoryTest, ManyContactsSettleInOneTransactionEachWithItsOwnOutcome) {
  for (const char* ref : {"ann", "ben", "cat", "dan", "eve", "fay"})
    db.insert(ref, R"({"given_name":"X"})");
  db.scalar(
      "INSERT INTO keapsync.contact_map (account, contact_ref, keap_id) VALUES ('default', 'dan',"
      " '7') RETURNING 1");
  const auto claimed = repo.claim(options());
  ASSERT_EQ(claimed.size(), 6u);
  std::map<std::string, const ClaimedContact*> by_ref;
  for (const auto& c : claimed)
    by_ref[c.contact_ref] = &c;
  auto stale = *by_ref.at("fay");  // a lease taken over by another worker
  stale.lease_token += 1000;
  // A shop transaction holds ben's lane (its insert is not committed yet).
  auto shop = db.connect();
  pqxx::work shop_tx(*shop);
  shop_tx.exec("INSERT INTO keapsync.outbox (contact_ref) VALUES ('ben')");

  Settlement delivered, retried, dead, learned, forgotten, lost;
  delivered.delivered = ids(*by_ref.at("ann"));
  learned.delivered = ids(*by_ref.at("cat"));
  learned.keap_id_change = Settlement::KeapId::learned;
  learned.keap_id = "42";
  forgotten.retry = ids(*by_ref.at("dan"));
  forgotten.retry_error = "Keap answered 503";
  forgotten.retry_after = seconds(60);
  forgotten.keap_id_change = Settlement::KeapId::forgotten;
  for (const auto id : ids(*by_ref.at("eve")))
    dead.dead.emplace_back(id, "Keap said 400");
  retried.retry = ids(*by_ref.at("ben"));
  retried.retry_error = "never written";
  lost.delivered = ids(stale);
  const std::vector<SettleRequest> batch = {
      {by_ref.at("ann"), &delivered}, {by_ref.at("ben"), &retried}, {by_ref.at("cat"), &learned},
      {by_ref.at("dan"), &forgotten}, {by_ref.at("eve"), &dead},    {&stale, &lost}};
  const auto results = repo.settle_many(batch);
  EXPECT_EQ(results, (std::vector<SettleResult>{SettleResult::settled, SettleResult::busy,
                                                SettleResult::settled, SettleResult::settled,
                                                SettleResult::settled, SettleResult::lease_lost}));
  shop_tx.commit();

  const auto state = [&](const std::string& ref) {
    return db.scalar(
        "SELECT string_agg(state || ':' || attempts || ':' || coalesce(last_error, ''),"
        " ',' ORDER BY id) FROM keapsync.outbox WHERE contact_ref = '" +
        ref + "'");
  };
  EXPECT_EQ(state("ann"), "NULL");  // delivered and gone
  EXPECT_EQ(state("cat"), "NULL");
  EXPECT_EQ(state("ben"), "pending:0:,pending:0:");  // busy: nothing written
  EXPECT_EQ(state("dan"), "pending:1:Keap answered 503");
  EXPECT_EQ(state("eve"), "dead:1:Keap said 400");
  EXPECT_EQ(state("fay"), "pending:0:");  // lost: another worker's now
  EXPECT_EQ(db.scalar("SELECT string_agg(contact_ref || '=' || keap_id, ',' ORDER BY contact_ref)"
                      " FROM keapsync.contact_map"),
            "cat=42");
  // Lanes: gone when nothing is pending, waiting for the retry, or still held.
  EXPECT_EQ(db.scalar("SELECT string_agg(contact_ref || ':' || (lease_until IS NOT NULL)::text ||"
                      " ':' || (lease_token IS NOT NULL)::text, ',' ORDER BY contact_ref)"
                      " FROM keapsync.lane"),
            "ben:true:true,dan:true:false,fay:true:true");
}

TEST_F(OutboxRepositoryTest, AClaimCarriesTheKeapIdAndTheNoteOfAnUnmatchedCreate) {
  db.insert("known");
  db.insert("noted");
  db.insert("new");
  db.scalar(
      "INSERT INTO keapsync.contact_map (account, contact_ref, keap_id) VALUES ('default', 'known',"
      " '99') RETURNING 1");
  db.scalar(
      "INSERT INTO keapsync.contact_create (account, contact_ref, started_at) VALUES"
      " ('default', 'noted', '2026-03-01 12:30:00+00') RETURNING 1");
  const auto claimed = repo.claim(options());
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].keap_id, "99");
  EXPECT_EQ(claimed[0].create_search_start, std::nullopt);
  EXPECT_EQ(claimed[1].keap_id, std::nullopt);
  EXPECT_EQ(claimed[1].create_search_start, "2026-03-01T12:20:00Z");  // ten minutes earlier
  EXPECT_EQ(claimed[2].keap_id, std::nullopt);
  EXPECT_EQ(claimed[2].create_search_start, std::nullopt);
}

}  // namespace
}  // namespace keapsync::db
