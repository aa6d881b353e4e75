// Group commit for settlements: contacts that finish while a settle
// transaction is on its way wait for it and then go together, in one
// transaction of set-based statements (OutboxRepository::settle_many). With
// nothing on the way a settlement goes at once, so a lone contact waits for
// nobody; at saturation one commit serves many contacts. A transaction on its
// way for longer than kStalled (a lock wait, a dead connection) does not hold
// up the others: one more may start beside it, up to kMaxFlushes. A batch
// that fails is tried again one contact at a time, so that one contact's
// error is its own.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "db/claimed_contact.hpp"
#include "db/database_pool.hpp"
#include "db/settlement.hpp"

namespace keapsync::engine {

class SettleBatcher {
 public:
  // Runs on one executor (the event loop's); `max_batch` contacts per transaction at most.
  SettleBatcher(boost::asio::any_io_executor executor, db::DatabasePool& db, std::size_t max_batch);

  // Settles `contact` as `s` (both must outlive the call) with whatever else is
  // waiting. Throws what the database threw; the caller retries.
  boost::asio::awaitable<db::SettleResult> settle(const db::ClaimedContact& contact,
                                                  const db::Settlement& s);

  // Transactions so far (for tests: many contacts, few commits).
  std::size_t transactions() const { return transactions_; }

 private:
  static constexpr auto kStalled = std::chrono::seconds(1);
  static constexpr std::size_t kMaxFlushes = 2;

  struct Waiter;
  // Starts a flush when none is on its way, or when every one on its way has stalled.
  void start_flush();
  boost::asio::awaitable<void> flush();
  boost::asio::awaitable<void> settle_batch(std::vector<std::shared_ptr<Waiter>> batch);

  boost::asio::any_io_executor executor_;
  db::DatabasePool& db_;
  std::size_t max_batch_;
  std::vector<std::shared_ptr<Waiter>> queue_;
  std::size_t flushes_ = 0;                                   // on their way
  std::chrono::steady_clock::time_point last_batch_start_{};  // of the newest on its way
  std::size_t transactions_ = 0;
};

}  // namespace keapsync::engine
