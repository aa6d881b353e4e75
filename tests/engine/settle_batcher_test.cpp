// The settle batcher against a real PostgreSQL: contacts that finish together
// are settled in one transaction (group commit), each with its own result.
#include "engine/settle_batcher.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

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

}  // namespace
}  // namespace keapsync::engine
