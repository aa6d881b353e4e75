// The worker loop: claims contacts while there is capacity, delivers each in
// its own coroutine behind the fence of its lease, renews the leases in
// flight, settles the outcome, and sleeps until a NOTIFY, a freed slot or the
// poll interval. stop() drains in-flight work within the shutdown timeout,
// then closes the fences, waits for the calls already sent, and releases.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "base/clock.hpp"
#include "config/config.hpp"
#include "db/claimed_contact.hpp"
#include "db/database_pool.hpp"
#include "db/outbox_repository.hpp"
#include "db/settlement.hpp"
#include "engine/account_context.hpp"
#include "engine/claim_gate.hpp"
#include "engine/contact_processor.hpp"
#include "engine/lease_fence.hpp"
#include "engine/settle_batcher.hpp"
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
  // When the claim loop last came round (liveness: a stuck loop stops it).
  std::chrono::steady_clock::time_point last_turn() const { return last_turn_; }

 private:
  struct InFlight {
    db::ClaimedContact contact;
    LeaseFence fence;
  };

  // Blocked (credentials) or throttled (rate limiter) accounts hold no slot:
  // their lanes stay parked in the database until they are usable again.
  bool usable(const AccountContext& account, TimePoint now) const;
  // Quotas for the usable accounts, each up to its own concurrency less what
  // it has in flight or `claimed` (taken in this turn already); `fair`: also
  // at most its share of worker.concurrency.
  db::ClaimOptions claim_options(int wanted, bool fair,
                                 const std::vector<db::ClaimedContact>& claimed = {}) const;
  // Contacts in flight per account.
  std::map<std::string, int> in_flight_by_account() const;
  // Slots the usable accounts have open (at most `wanted`), and what they may
  // have in flight in all (at most worker.concurrency): the ClaimGate's inputs.
  std::pair<int, int> open_slots(int wanted) const;
  static bool filled_a_share(const db::ClaimOptions& fair,
                             const std::vector<db::ClaimedContact>& claimed);
  void recheck_blocked_accounts();
  boost::asio::awaitable<void> restore_lanes();  // at start, then hourly
  boost::asio::awaitable<void> deliver(std::shared_ptr<InFlight> work);
  // Settles `contact`, trying again every second while the database is away
  // or a shop transaction holds the lane (Keap has the change: settling late
  // beats delivering it twice), for at most lease_duration and, once
  // stopping, until the release at shutdown; nullopt when it never succeeded.
  boost::asio::awaitable<std::optional<db::SettleResult>> settle(const db::ClaimedContact& contact,
                                                                 const db::Settlement& s);
  // Renews the leases of the contacts in flight every sixth of
  // lease_duration in one statement, so that a slow delivery is never claimed
  // a second time, and moves their fences; until run() ends.
  boost::asio::awaitable<void> keep_leases();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  // Waits until nothing is in flight or `deadline`.
  boost::asio::awaitable<void> wait_idle(std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<void> release_in_flight();

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
  SettleBatcher settler_;
  // Since when freed slots are being gathered for one claim (ClaimGate).
  std::optional<std::chrono::steady_clock::time_point> gather_since_;
  bool finished_ = false;  // run() has drained and released
  bool wake_pending_ = false;
  bool stopping_ = false;
  // When a shutdown releases the contacts still in flight: settles end before.
  std::chrono::steady_clock::time_point release_at_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point last_turn_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point next_recheck_{};
  std::chrono::steady_clock::time_point next_sweep_{};
  std::map<std::int64_t, std::shared_ptr<InFlight>> in_flight_;  // by lease token
  std::set<std::int64_t> settling_;                              // lease tokens being settled
  std::set<std::string> rechecking_;  // accounts whose credentials are being asked
  DispatcherStats stats_;
};

}  // namespace keapsync::engine
