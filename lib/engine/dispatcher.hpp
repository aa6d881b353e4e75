// The worker loop: claims contacts while there is capacity, delivers each in
// its own coroutine, settles the outcome, and sleeps until a NOTIFY, a freed
// slot or the poll interval. stop() drains in-flight work within the
// shutdown timeout and releases what is left.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "base/clock.hpp"
#include "config/config.hpp"
#include "db/claimed_contact.hpp"
#include "db/database_pool.hpp"
#include "db/settlement.hpp"
#include "engine/account_context.hpp"
#include "engine/contact_processor.hpp"
#include "log/logger.hpp"

namespace keapsync::engine {

struct RowCounts {
  std::int64_t delivered = 0;
  std::map<std::string, std::int64_t> dead;     // by reason class (see Verdict)
  std::map<std::string, std::int64_t> retried;  // by error class
};

struct DispatcherStats {
  std::map<std::string, RowCounts> rows;  // by account, since start
  std::int64_t claims = 0;
  bool database_ok = false;
};

class Dispatcher {
 public:
  Dispatcher(boost::asio::any_io_executor executor, db::DatabasePool& db,
             ContactProcessor& processor, std::map<std::string, AccountContext>& accounts,
             const config::WorkerConfig& worker, std::string worker_id, Clock clock,
             log::Logger logger);

  // Runs until stop() and the drain are done.
  boost::asio::awaitable<void> run();
  void wake();  // new rows may be there (NOTIFY)
  void stop();  // SIGTERM: stop claiming, drain, release

  const DispatcherStats& stats() const { return stats_; }
  int in_flight() const { return static_cast<int>(in_flight_.size()); }

 private:
  boost::asio::awaitable<void> deliver(db::ClaimedContact contact);
  // Settles `contact`, trying again every second while the database is away
  // (Keap has the change: settling late beats delivering it twice), for at
  // most lease_duration or until stop(); nullopt when it never succeeded.
  boost::asio::awaitable<std::optional<db::SettleResult>> settle(const db::ClaimedContact& contact,
                                                                 const db::Settlement& s);
  // Renews the leases of the contacts in flight every third of lease_duration,
  // so that a slow delivery is never claimed a second time; until run() ends.
  boost::asio::awaitable<void> keep_leases();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  void release_in_flight();

  boost::asio::any_io_executor executor_;
  db::DatabasePool& db_;
  ContactProcessor& processor_;
  std::map<std::string, AccountContext>& accounts_;
  const config::WorkerConfig& worker_;
  std::string worker_id_;
  Clock clock_;
  log::Logger logger_;
  boost::asio::steady_timer wakeup_;
  boost::asio::steady_timer lease_timer_;
  bool finished_ = false;  // run() has drained and released
  bool wake_pending_ = false;
  bool stopping_ = false;
  std::map<std::int64_t, db::ClaimedContact> in_flight_;  // by lease token
  std::set<std::int64_t> settling_;                       // lease tokens being settled
  DispatcherStats stats_;
};

}  // namespace keapsync::engine
