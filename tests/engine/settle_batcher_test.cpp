// The settle batcher against a real PostgreSQL: contacts that finish together
// are settled in one transaction (group commit), each with its own result.
#include "engine/settle_batcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "db/outbox_repository.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::engine {
namespace {

class SettleBatcherTest : public ::testing::Test {
 protected:
  testing::MigratedDatabase db;
  db::DatabasePool pool{db.url(), 2};
  boost::asio::io_context io;

  std::vector<db::ClaimedContact> claim(int contacts) {
    for (int i = 0; i < contacts; ++i)
      db.insert("c" + std::to_string(i));
    db::ClaimOptions o;
    o.worker = "w1";
    o.max_contacts = contacts;
    o.quotas = {{"default", contacts}};
    return db::OutboxRepository(db.conn()).claim(o);
  }

  // Settles every contact from its own coroutine, all started before any runs.
  std::vector<std::optional<db::SettleResult>> settle_all(
      SettleBatcher& batcher, const std::vector<db::ClaimedContact>& contacts,
      const std::vector<db::Settlement>& settlements) {
    std::vector<std::optional<db::SettleResult>> results(contacts.size());
    for (std::size_t i = 0; i < contacts.size(); ++i) {
      boost::asio::co_spawn(
          io,
          [&, i]() -> boost::asio::awaitable<void> {
            results[i] = co_await batcher.settle(contacts[i], settlements[i]);
          },
          boost::asio::detached);
    }
    io.run();
    io.restart();
    return results;
  }
};

TEST_F(SettleBatcherTest, ContactsThatFinishTogetherShareATransaction) {
  const auto contacts = claim(20);
  ASSERT_EQ(contacts.size(), 20u);
  std::vector<db::Settlement> settlements(contacts.size());
  for (std::size_t i = 0; i < contacts.size(); ++i)
    settlements[i].delivered.push_back(contacts[i].rows.at(0).id);
  auto stale = contacts;  // the last one's lease was taken over: only it is lost
  stale.back().lease_token += 1000;

  SettleBatcher batcher(io.get_executor(), pool, 8);
  const auto results = settle_all(batcher, stale, settlements);
  for (std::size_t i = 0; i + 1 < results.size(); ++i)
    EXPECT_EQ(results[i], db::SettleResult::settled) << i;
  EXPECT_EQ(results.back(), db::SettleResult::lease_lost);
  // The first goes at once; the 19 that finish while it is on its way go
  // together, at most 8 a transaction: 4 commits, not 20.
  EXPECT_EQ(batcher.transactions(), 4u);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "1");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "1");
}

TEST_F(SettleBatcherTest, ALoneContactGoesAtOnceAndADatabaseErrorReachesEveryWaiter) {
  const auto contacts = claim(3);
  std::vector<db::Settlement> settlements(contacts.size());
  SettleBatcher batcher(io.get_executor(), pool, 50);
  EXPECT_EQ(settle_all(batcher, {contacts[0]}, {settlements[0]}).at(0), db::SettleResult::settled);
  EXPECT_EQ(batcher.transactions(), 1u);

  // The database refuses the transaction: both waiters see the error, nothing is written.
  {
    pqxx::work tx(db.conn());
    tx.exec("ALTER TABLE keapsync.lane RENAME TO lane_away");
    tx.commit();
  }
  int failed = 0;
  for (std::size_t i = 1; i < contacts.size(); ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          try {
            co_await batcher.settle(contacts[i], settlements[i]);
          } catch (const std::exception&) {
            ++failed;
          }
        },
        boost::asio::detached);
  }
  io.run();
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(batcher.transactions(), 3u);  // the first at once, the second after it
}

TEST_F(SettleBatcherTest, OneContactsErrorIsItsOwnAndTheOthersSettle) {
  const auto contacts = claim(3);
  std::vector<db::Settlement> settlements(contacts.size());
  for (std::size_t i = 0; i < contacts.size(); ++i)
    settlements[i].delivered.push_back(contacts[i].rows.at(0).id);
  // The same lane twice with a learned id: a statement error for the whole transaction.
  std::vector<db::ClaimedContact> batch = {contacts[0], contacts[0], contacts[1], contacts[2]};
  settlements.insert(settlements.begin(), settlements[0]);
  for (int i : {0, 1}) {
    settlements[i].keap_id_change = db::Settlement::KeapId::learned;
    settlements[i].keap_id = std::to_string(40 + i);
  }
  SettleBatcher batcher(io.get_executor(), pool, 50);
  std::vector<std::optional<db::SettleResult>> results(batch.size());
  std::vector<bool> threw(batch.size(), false);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          try {
            results[i] = co_await batcher.settle(batch[i], settlements[i]);
          } catch (const std::exception&) {
            threw[i] = true;
          }
        },
        boost::asio::detached);
  }
  io.run();
  // The first went alone; the three after it failed together, then each alone:
  // the repeated lane is lost the second time, the others settle.
  EXPECT_EQ(results[0], db::SettleResult::settled);
  EXPECT_EQ(results[1], db::SettleResult::lease_lost);
  EXPECT_EQ(results[2], db::SettleResult::settled);
  EXPECT_EQ(results[3], db::SettleResult::settled);
  EXPECT_EQ(threw, std::vector<bool>(4, false));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
}

TEST_F(SettleBatcherTest, ASettlementStuckOnALockDoesNotHoldUpTheOthers) {
  const auto contacts = claim(2);
  std::vector<db::Settlement> settlements(2);
  for (std::size_t i = 0; i < 2; ++i)
    settlements[i].delivered.push_back(contacts[i].rows.at(0).id);
  settlements[0].keap_id_change = db::Settlement::KeapId::learned;  // writes contact_map
  settlements[0].keap_id = "7";
  // Another session holds the contact map (as a migration or --new-tenant could).
  auto holder = db.connect();
  pqxx::work lock(*holder);
  lock.exec("LOCK TABLE keapsync.contact_map IN EXCLUSIVE MODE");

  SettleBatcher batcher(io.get_executor(), pool, 50);
  std::optional<db::SettleResult> first, second;
  std::chrono::steady_clock::time_point second_done;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        try {
          first = co_await batcher.settle(contacts[0], settlements[0]);
        } catch (const std::exception&) {
        }
      },
      boost::asio::detached);
  boost::asio::steady_timer later(io, std::chrono::milliseconds(100));
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        co_await later.async_wait(boost::asio::use_awaitable);
        second = co_await batcher.settle(contacts[1], settlements[1]);
        second_done = std::chrono::steady_clock::now();
        lock.abort();  // the holder lets go once the other contact is through
      },
      boost::asio::detached);
  const auto started = std::chrono::steady_clock::now();
  io.run();
  EXPECT_EQ(second, db::SettleResult::settled);
  // Beside the stuck one after a second, not after the 5 s lock timeout.
  EXPECT_LT(second_done - started, std::chrono::seconds(4));
  EXPECT_EQ(first, db::SettleResult::settled);
}

}  // namespace
}  // namespace keapsync::engine
