// The LISTEN loop never blocks the event loop, even while a database that
// does not answer keeps it connecting.
#include "db/notification_listener.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>

namespace keapsync::db {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(NotificationListener, ConnectingToADatabaseThatNeverAnswersLeavesTheEventLoopFree) {
  asio::io_context io;
  // The kernel completes the TCP handshake into the backlog; nobody accepts or answers.
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto url = "host=127.0.0.1 port=" + std::to_string(silent.local_endpoint().port()) +
                   " dbname=keapsync connect_timeout=3";
  const auto logger = log::make_logger({config::LogLevel::error, config::LogFormat::json});
  NotificationListener listener(
      io.get_executor(), url, [] {}, logger, 100ms);
  asio::co_spawn(io, listener.run(), asio::detached);

  // A timer that needs the loop 50 times in a row.
  asio::steady_timer timer(io);
  int ticks = 0;
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::duration> fifty_ticks;
  std::function<void()> tick = [&] {
    timer.expires_after(10ms);
    timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (++ticks < 50) return tick();
      fifty_ticks = std::chrono::steady_clock::now() - start;
      listener.stop();
    });
  };
  tick();
  io.run_for(20s);
  ASSERT_TRUE(fifty_ticks.has_value());
  // 0.5 s when the loop is free; at least connect_timeout (3 s) if the connect blocked it.
  EXPECT_LT(*fifty_ticks, 2s);
  EXPECT_FALSE(listener.connected());
}

}  // namespace
}  // namespace keapsync::db
