// The LISTEN loop.
#include "db/notification_listener.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <pqxx/pqxx>

namespace keapsync::db {
namespace {

constexpr const char* kChannel = "keapsync_outbox";

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, bool& seen)
      : pqxx::notification_receiver(conn, kChannel), seen_(seen) {}
  void operator()(const std::string&, int) override { seen_ = true; }

 private:
  bool& seen_;
};

}  // namespace

NotificationListener::NotificationListener(boost::asio::any_io_executor executor, std::string url,
                                           std::function<void()> on_notify, log::Logger logger,
                                           std::chrono::milliseconds reconnect_delay)
    : executor_(executor),
      url_(std::move(url)),
      on_notify_(std::move(on_notify)),
      logger_(std::move(logger)),
      reconnect_delay_(reconnect_delay),
      descriptor_(executor),
      delay_(executor) {}

void NotificationListener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  delay_.cancel();
}

boost::asio::awaitable<void> NotificationListener::run() {
  while (!stopped_) {
    try {
      // A database behind a broken network can take minutes to refuse: a
      // blocked event loop would stall every account and trip the watchdog.
      // (The lambda captures only `this`: GCC 12 destroys non-trivial temporaries
      // of a co_await twice when it throws, as a refused connect does.)
      const auto connect = [this]() -> boost::asio::awaitable<std::unique_ptr<pqxx::connection>> {
        co_return std::make_unique<pqxx::connection>(url_);
      };
      const auto conn =
          co_await boost::asio::co_spawn(connector_, connect, boost::asio::use_awaitable);
      if (stopped_) break;
      bool seen = false;
      Receiver receiver(*conn, seen);  // issues LISTEN
      descriptor_.assign(::dup(conn->sock()));
      connected_ = true;
      if (lost_) {
        logger_.info("outbox notifications are back");
        lost_ = false;
      } else {
        logger_.debug("listening for outbox notifications");
      }
      on_notify_();
      while (!stopped_) {
        conn->get_notifs();  // libpq may have buffered some already
        if (seen) {
          seen = false;
          on_notify_();
        }
        boost::system::error_code ec;
        co_await descriptor_.async_wait(
            boost::asio::posix::stream_descriptor::wait_read,
            boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) break;
      }
    } catch (const std::exception& e) {
      // Once per outage: a reconnect every few seconds must not flood the log.
      if (!stopped_ && !lost_) {
        logger_.warn("outbox notifications lost; reconnecting (the poll interval covers the gap)",
                     {{"error", e.what()}});
        lost_ = true;
      }
    }
    connected_ = false;
    if (descriptor_.is_open()) {
      boost::system::error_code ignored;
      descriptor_.close(ignored);  // closes our dup only
    }
    if (stopped_) break;
    delay_.expires_after(reconnect_delay_);
    boost::system::error_code ec;
    co_await delay_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace keapsync::db
