// LISTEN keapsync_outbox on the event loop: the connection's socket is wrapped
// in an Asio descriptor (a dup, so Asio never closes libpq's socket), and each
// readable event drains the notifications. Reconnects after a lost database;
// connecting (which blocks) happens on a thread of its own, never on the loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "log/logger.hpp"

namespace keapsync::db {

class NotificationListener {
 public:
  // `on_notify` runs on the executor for every batch of notifications, and
  // once after each (re)connect, since notifications may have been missed.
  NotificationListener(boost::asio::any_io_executor executor, std::string url,
                       std::function<void()> on_notify, log::Logger logger,
                       std::chrono::milliseconds reconnect_delay = std::chrono::seconds(2));

  boost::asio::awaitable<void> run();  // until stop()
  void stop();
  bool connected() const { return connected_; }

 private:
  boost::asio::any_io_executor executor_;
  std::string url_;
  std::function<void()> on_notify_;
  log::Logger logger_;
  std::chrono::milliseconds reconnect_delay_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer delay_;
  boost::asio::thread_pool connector_{1};
  bool stopped_ = false;
  bool connected_ = false;
  bool lost_ = false;  // the loss was logged; the next connect says it is back
};

}  // namespace keapsync::db
