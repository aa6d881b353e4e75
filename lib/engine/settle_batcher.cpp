// The settle queue and the one coroutine that drains it.
#include "engine/settle_batcher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>

#include "db/outbox_repository.hpp"

namespace keapsync::engine {

struct SettleBatcher::Waiter {
  explicit Waiter(boost::asio::any_io_executor executor) : done(executor) {}
  db::SettleRequest request{};
  std::optional<db::SettleResult> result;
  std::exception_ptr error;
  // Set to the past when the result is in: a wait begun later ends at once.
  boost::asio::steady_timer done;
};

SettleBatcher::SettleBatcher(boost::asio::any_io_executor executor, db::DatabasePool& db,
                             std::size_t max_batch)
    : executor_(executor), db_(db), max_batch_(max_batch == 0 ? 1 : max_batch) {}

boost::asio::awaitable<db::SettleResult> SettleBatcher::settle(const db::ClaimedContact& contact,
                                                               const db::Settlement& s) {
  auto waiter = std::make_shared<Waiter>(executor_);
  waiter->request = {&contact, &s};
  waiter->done.expires_at(boost::asio::steady_timer::time_point::max());
  queue_.push_back(waiter);
  if (!flushing_) {
    flushing_ = true;
    boost::asio::co_spawn(executor_, flush(), boost::asio::detached);
  }
  while (!waiter->result && !waiter->error) {
    boost::system::error_code ec;
    co_await waiter->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (waiter->error) std::rethrow_exception(waiter->error);
  co_return *waiter->result;
}

boost::asio::awaitable<void> SettleBatcher::flush() {
  while (!queue_.empty()) {
    const auto n = std::min(queue_.size(), max_batch_);
    std::vector<std::shared_ptr<Waiter>> batch(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    std::vector<db::SettleRequest> requests;
    for (const auto& w : batch)
      requests.push_back(w->request);
    try {
      const auto results = co_await db_.run([&requests](pqxx::connection& conn) {
        return db::OutboxRepository(conn).settle_many(requests);
      });
      for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i]->result = results[i];
    } catch (...) {
      for (const auto& w : batch)
        w->error = std::current_exception();
    }
    ++transactions_;
    for (const auto& w : batch)
      w->done.expires_at(boost::asio::steady_timer::time_point::min());
  }
  flushing_ = false;
}

}  // namespace keapsync::engine
