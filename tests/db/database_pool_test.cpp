// DatabasePool: blocking work runs on the pool, never on the event loop, and
// its exceptions reach the awaiting coroutine.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "db/database_pool.hpp"
#include "support/test_database.hpp"

namespace keapsync::db {
namespace {

TEST(DatabasePool, RunsOffTheEventLoopAndHandsTheResultBack) {
  testing::TestDatabase database;
  DatabasePool pool(database.url(), 2);
  boost::asio::io_context io;
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id work_thread, resumed_thread;
  int value = 0;
  std::string error;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        value = co_await pool.run([&](pqxx::connection& c) {
          work_thread = std::this_thread::get_id();
          pqxx::read_transaction tx(c);
          return tx.exec1("SELECT 41 + 1")[0].as<int>();
        });
        resumed_thread = std::this_thread::get_id();
        try {
          co_await pool.run([](pqxx::connection& c) {
            pqxx::read_transaction tx(c);
            tx.exec("SELECT * FROM no_such_table");
          });
        } catch (const pqxx::sql_error& e) {
          error = e.what();
        }
      },
      boost::asio::detached);
  io.run_for(std::chrono::seconds(20));
  EXPECT_EQ(value, 42);
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(resumed_thread, loop_thread);
  EXPECT_NE(error.find("no_such_table"), std::string::npos);
}

TEST(DatabasePool, AnIdleConnectionTheServerEndedIsNotHandedOut) {
  // After pg_terminate_backend (or a server restart) the next call must get a
  // working connection, not fail on the dead one and leave its work undone.
  testing::TestDatabase database;
  DatabasePool pool(database.url(), 1);
  boost::asio::io_context io;
  int first_pid = 0, second_pid = 0;
  std::string error;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        first_pid = co_await pool.run([](pqxx::connection& c) { return c.backendpid(); });
        pqxx::connection admin(database.url());
        pqxx::nontransaction(admin).exec("SELECT pg_terminate_backend(" +
                                         std::to_string(first_pid) + ")");
        // The server's goodbye arrives once the backend is gone.
        for (int i = 0; i < 500; ++i) {
          const auto left = pqxx::nontransaction(admin).exec(
              "SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(first_pid));
          if (left[0][0].as<int>() == 0) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));  // no event to await
        }
        try {
          second_pid = co_await pool.run([](pqxx::connection& c) {
            pqxx::read_transaction tx(c);
            tx.exec("SELECT 1");
            return c.backendpid();
          });
        } catch (const std::exception& e) {
          error = e.what();
        }
      },
      boost::asio::detached);
  io.run_for(std::chrono::seconds(20));
  EXPECT_EQ(error, "");
  EXPECT_NE(first_pid, 0);
  EXPECT_NE(second_pid, 0);
  EXPECT_NE(second_pid, first_pid);
}

}  // namespace
}  // namespace keapsync::db
