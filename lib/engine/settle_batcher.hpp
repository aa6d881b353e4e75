// Group commit for settlements: contacts that finish while a settle
// transaction is on its way wait for it and then go together, in one
// transaction of set-based statements (OutboxRepository::settle_many). With
// nothing on the way a settlement goes at once, so a lone contact waits for
// nobody; at saturation one commit serves many contacts.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
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
  struct Waiter;
  boost::asio::awaitable<void> flush();

  boost::asio::any_io_executor executor_;
  db::DatabasePool& db_;
  std::size_t max_batch_;
  std::vector<std::shared_ptr<Waiter>> queue_;
  bool flushing_ = false;
  std::size_t transactions_ = 0;
};

}  // namespace keapsync::engine
