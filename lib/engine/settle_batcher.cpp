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
  bool taken = false;  // in a batch on its way
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
  queue_.push_back(waiter);
  start_flush();
  while (!waiter->result && !waiter->error) {
    // Woken by the result, or after kStalled to start a flush beside a stalled one.
    waiter->done.expires_after(kStalled);
    boost::system::error_code ec;
    co_await waiter->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (!waiter->result && !waiter->error && !waiter->taken) start_flush();
  }
  if (waiter->error) std::rethrow_exception(waiter->error);
  co_return *waiter->result;
}

void SettleBatcher::start_flush() {
  const auto now = std::chrono::steady_clock::now();
  if (flushes_ > 0 && (flushes_ >= kMaxFlushes || now - last_batch_start_ < kStalled)) return;
  ++flushes_;
  last_batch_start_ = now;
  boost::asio::co_spawn(executor_, flush(), boost::asio::detached);
}

boost::asio::awaitable<void> SettleBatcher::flush() {
  while (!queue_.empty()) {
    const auto n = std::min(queue_.size(), max_batch_);
    std::vector<std::shared_ptr<Waiter>> batch(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    co_await settle_batch(std::move(batch));
  }
  --flushes_;
  // Queued behind a flush that stalled and then ended: not left waiting.
  if (!queue_.empty()) start_flush();
}

boost::asio::awaitable<void> SettleBatcher::settle_batch(
    std::vector<std::shared_ptr<Waiter>> batch) {
  last_batch_start_ = std::chrono::steady_clock::now();
  std::vector<db::SettleRequest> requests;
  for (const auto& w : batch) {
    w->taken = true;
    requests.push_back(w->request);
  }
  bool failed = false;
  try {
    const auto results = co_await db_.run([&requests](pqxx::connection& conn) {
      return db::OutboxRepository(conn).settle_many(requests);
    });
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i]->result = results[i];
  } catch (...) {
    failed = true;
    if (batch.size() == 1) batch[0]->error = std::current_exception();
  }
  ++transactions_;
  if (failed && batch.size() > 1) {
    // One contact's error (or the database's) is each one's own: each alone.
    for (const auto& w : batch) {
      std::vector<std::shared_ptr<Waiter>> one{w};
      co_await settle_batch(std::move(one));
    }
    co_return;
  }
  for (const auto& w : batch)
    w->done.expires_at(boost::asio::steady_timer::time_point::min());
}

}  // namespace keapsync::engine
