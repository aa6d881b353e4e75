// The claim / deliver / settle loop.
#include "engine/dispatcher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pqxx/except>

#include "db/outbox_repository.hpp"
#include "keap/payload_limits.hpp"

namespace keapsync::engine {
namespace {

// How often a settlement is tried again while the database is away.
constexpr auto kSettleRetry = std::chrono::seconds(1);
// How often the credentials of a blocked account are asked whether it is usable again.
constexpr auto kBlockedRecheck = std::chrono::seconds(15);
// How often pending rows without a lane are looked for (and at start).
constexpr auto kLaneSweep = std::chrono::hours(1);

}  // namespace

Dispatcher::Dispatcher(boost::asio::any_io_executor executor, db::DatabasePool& db,
                       ContactProcessor& processor, std::map<std::string, AccountContext>& accounts,
                       const config::WorkerConfig& worker, std::string worker_id, Clock clock,
                       log::Logger logger)
    : executor_(executor),
      db_(db),
      processor_(processor),
      accounts_(accounts),
      worker_(worker),
      worker_id_(std::move(worker_id)),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      wakeup_(executor),
      lease_timer_(executor),
      settler_(executor, db, static_cast<std::size_t>(worker.batch_size)) {}

void Dispatcher::wake() {
  wake_pending_ = true;
  wakeup_.cancel();
}

void Dispatcher::stop() {
  stopping_ = true;
  wake();
}

boost::asio::awaitable<void> Dispatcher::sleep(std::chrono::milliseconds d) {
  if (wake_pending_) {
    wake_pending_ = false;
    co_return;
  }
  wakeup_.expires_after(d);
  boost::system::error_code ec;
  co_await wakeup_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  wake_pending_ = false;
}

bool Dispatcher::usable(const AccountContext& account, TimePoint now) const {
  return account.api->state() == auth::AccountState::ok &&
         account.api->limiter().paused_until() <= now;
}

db::ClaimOptions Dispatcher::claim_options(int wanted, bool fair,
                                           const std::vector<db::ClaimedContact>& claimed) const {
  db::ClaimOptions o;
  o.worker = worker_id_;
  o.max_contacts = wanted;
  o.max_rows_per_contact = worker_.max_rows_per_contact;
  o.max_payload_bytes = keap::PayloadLimits::payload_bytes;
  o.lease = std::chrono::duration_cast<std::chrono::milliseconds>(worker_.lease_duration);
  const auto now = clock_();
  auto busy = in_flight_by_account();
  for (const auto& c : claimed)
    ++busy[c.account];
  std::vector<std::string> open;
  for (const auto& [name, account] : accounts_) {
    if (usable(account, now)) open.push_back(name);
  }
  if (open.empty()) return o;
  const int share =
      (worker_.concurrency + static_cast<int>(open.size()) - 1) / static_cast<int>(open.size());
  // Each account up to its own concurrency; first only up to its share.
  for (const auto& name : open) {
    const int cap =
        fair ? std::min(share, accounts_.at(name).concurrency) : accounts_.at(name).concurrency;
    o.quotas.push_back({name, std::max(0, cap - busy[name])});
  }
  return o;
}

std::map<std::string, int> Dispatcher::in_flight_by_account() const {
  std::map<std::string, int> busy;
  for (const auto& [token, work] : in_flight_)
    ++busy[work->contact.account];
  return busy;
}

std::pair<int, int> Dispatcher::open_slots(int wanted) const {
  const auto now = clock_();
  auto busy = in_flight_by_account();
  int open = 0, capacity = 0;
  for (const auto& [name, account] : accounts_) {
    if (!usable(account, now)) continue;
    capacity += account.concurrency;
    open += std::max(0, account.concurrency - busy[name]);
  }
  return {std::min(open, wanted), std::min(capacity, worker_.concurrency)};
}

bool Dispatcher::filled_a_share(const db::ClaimOptions& fair,
                                const std::vector<db::ClaimedContact>& claimed) {
  for (const auto& q : fair.quotas) {
    const auto n = std::count_if(claimed.begin(), claimed.end(), [&](const db::ClaimedContact& c) {
      return c.account == q.account;
    });
    if (q.contacts > 0 && n >= q.contacts) return true;
  }
  return false;
}

void Dispatcher::recheck_blocked_accounts() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_recheck_) return;
  next_recheck_ = now + kBlockedRecheck;
  for (auto& [name, account] : accounts_) {
    // A blocked account's rows are not claimed, so no call would let its
    // credentials notice a new key or authorization: ask them, beside the
    // claim loop (credentials may wait for a token call in flight).
    if (account.api->state() == auth::AccountState::ok || rechecking_.contains(name)) continue;
    rechecking_.insert(name);
    boost::asio::co_spawn(
        executor_,
        [this, &name, &account]() -> boost::asio::awaitable<void> {
          try {
            co_await account.api->recheck_credentials();
          } catch (const std::exception& e) {
            logger_.warn("cannot recheck the credentials",
                         {{"account", name}, {"error", e.what()}});
          }
          rechecking_.erase(name);
        },
        boost::asio::detached);
  }
}

boost::asio::awaitable<void> Dispatcher::restore_lanes() {
  try {
    const auto made = co_await db_.run(
        [](pqxx::connection& conn) { return db::OutboxRepository(conn).restore_lanes(); });
    next_sweep_ = std::chrono::steady_clock::now() + kLaneSweep;
    if (made > 0) {
      logger_.warn("pending rows had no lane (copied in without the outbox trigger?); queued them",
                   {{"contacts", made}});
    }
  } catch (const std::exception&) {
    // The database is away: the claim says so; try again next turn.
  }
}

boost::asio::awaitable<void> Dispatcher::wait_idle(std::chrono::steady_clock::time_point deadline) {
  while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline) {
    co_await sleep(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
  }
}

boost::asio::awaitable<void> Dispatcher::run() {
  boost::asio::co_spawn(executor_, keep_leases(), boost::asio::detached);
  const auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(worker_.lease_duration);
  while (!stopping_) {
    last_turn_ = std::chrono::steady_clock::now();
    if (last_turn_ >= next_sweep_) co_await restore_lanes();
    const int free = worker_.concurrency - in_flight();
    bool more = false;
    if (free > 0) {
      recheck_blocked_accounts();
      const int wanted = std::min(free, worker_.batch_size);
      const auto [open, capacity] = open_slots(wanted);
      const auto gathering =
          gather_since_ ? last_turn_ - *gather_since_ : std::chrono::steady_clock::duration(0);
      if (const auto pause = ClaimGate::wait(open, in_flight(), capacity, gathering);
          pause > std::chrono::milliseconds(0)) {
        if (!gather_since_ && open > 0) gather_since_ = last_turn_;
        co_await sleep(open > 0 ? pause : worker_.poll_interval);
        continue;
      }
      gather_since_.reset();
      std::vector<db::ClaimedContact> claimed;
      bool database_failed = false;
      const auto sent = std::chrono::steady_clock::now();
      try {
        // First each usable account up to its share of the slots, then, when
        // some took their whole share, whatever is left to anyone usable.
        const auto fair = claim_options(wanted, true);
        claimed = co_await db_.run(
            [&fair](pqxx::connection& conn) { return db::OutboxRepository(conn).claim(fair); });
        if (static_cast<int>(claimed.size()) < wanted && filled_a_share(fair, claimed)) {
          const auto rest =
              claim_options(wanted - static_cast<int>(claimed.size()), false, claimed);
          auto extra = co_await db_.run(
              [&rest](pqxx::connection& conn) { return db::OutboxRepository(conn).claim(rest); });
          std::move(extra.begin(), extra.end(), std::back_inserter(claimed));
        }
        if (!stats_.database_ok) logger_.info("database reachable; claiming work");
        stats_.database_ok = true;
      } catch (const std::exception& e) {
        if (stats_.database_ok) {
          logger_.error("database unavailable; rows wait until it is back", {{"error", e.what()}});
        }
        stats_.database_ok = false;
        database_failed = true;
      }
      if (database_failed) {
        co_await sleep(worker_.poll_interval);
        continue;
      }
      ++stats_.claims;
      more = static_cast<int>(claimed.size()) == wanted;
      for (auto& c : claimed) {
        const auto token = c.lease_token;
        auto work = std::make_shared<InFlight>(InFlight{std::move(c), LeaseFence(sent, lease)});
        in_flight_.emplace(token, work);
        boost::asio::co_spawn(executor_, deliver(std::move(work)), boost::asio::detached);
      }
    }
    if (more && in_flight() < worker_.concurrency) continue;
    co_await sleep(worker_.poll_interval);
  }
  // Drain: in-flight contacts finish (and settle, also when a shop
  // transaction holds one a while), within shutdown_timeout.
  release_at_ = std::chrono::steady_clock::now() + worker_.shutdown_timeout;
  co_await wait_idle(release_at_);
  if (!in_flight_.empty()) {
    // No call starts any more; the calls already sent end by their deadline.
    logger_.warn("shutdown timeout reached; deliveries stop before their next Keap call",
                 {{"contacts", static_cast<std::int64_t>(in_flight_.size())}});
    for (auto& [token, work] : in_flight_)
      work->fence.revoke();
    release_at_ = std::chrono::steady_clock::now() + LeaseFence::call_limit(lease) + kSettleRetry;
    co_await wait_idle(release_at_);
  }
  co_await release_in_flight();
  finished_ = true;
  lease_timer_.cancel();
}

boost::asio::awaitable<void> Dispatcher::keep_leases() {
  const auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(worker_.lease_duration);
  while (!finished_) {
    lease_timer_.expires_after(LeaseFence::renew_interval(lease));
    boost::system::error_code ec;
    co_await lease_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (finished_ || in_flight_.empty()) continue;
    std::vector<std::int64_t> tokens;
    for (const auto& [token, work] : in_flight_)
      tokens.push_back(token);
    const auto sent = std::chrono::steady_clock::now();
    try {
      const auto renewal = co_await db_.run([&tokens, &lease](pqxx::connection& conn) {
        return db::OutboxRepository(conn).renew(tokens, lease);
      });
      for (const auto token : renewal.renewed) {
        if (const auto it = in_flight_.find(token); it != in_flight_.end())
          it->second->fence.renewed(sent);
      }
      for (const auto token : renewal.lost) {
        const auto it = in_flight_.find(token);
        // A contact settled meanwhile has no lease to renew: that is no loss.
        if (it == in_flight_.end() || settling_.contains(token)) continue;
        it->second->fence.revoke();
        logger_.warn("lease lost while delivering; the delivery stops before its next Keap call",
                     {{"account", it->second->contact.account},
                      {"contact_ref", it->second->contact.contact_ref}});
      }
    } catch (const std::exception& e) {
      logger_.warn("could not renew leases; deliveries stop before their fences close",
                   {{"error", e.what()}});
    }
  }
}

boost::asio::awaitable<std::optional<db::SettleResult>> Dispatcher::settle(
    const db::ClaimedContact& contact, const db::Settlement& s) {
  const auto give_up = std::chrono::steady_clock::now() + worker_.lease_duration;
  boost::asio::steady_timer pause(executor_);
  bool warned = false;
  for (;;) {
    try {
      const auto result = co_await settler_.settle(contact, s);
      if (result != db::SettleResult::busy) co_return result;
      if (!warned) {
        logger_.warn("a shop transaction holds the contact; settling when it ends",
                     {{"account", contact.account}, {"contact_ref", contact.contact_ref}});
      }
    } catch (const std::exception& e) {
      if (!warned) {
        logger_.warn("cannot settle the contact yet; retrying while the database is away",
                     {{"account", contact.account},
                      {"contact_ref", contact.contact_ref},
                      {"error", e.what()}});
      }
    }
    warned = true;
    // Read each time: a shutdown moves the release while this waits.
    const auto stop_at = std::min(give_up, release_at_);
    const auto now = std::chrono::steady_clock::now();
    if (now >= stop_at) co_return std::nullopt;
    pause.expires_after(std::min<std::chrono::steady_clock::duration>(kSettleRetry, stop_at - now));
    boost::system::error_code ec;
    co_await pause.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

boost::asio::awaitable<void> Dispatcher::deliver(std::shared_ptr<InFlight> work) {
  const db::ClaimedContact& contact = work->contact;
  const auto token = contact.lease_token;
  const keap::CallWindow window = [work] {
    return work->fence.call_deadline(std::chrono::steady_clock::now());
  };
  try {
    Verdict verdict;
    // Claims name configured accounts only.
    AccountContext& account = accounts_.at(contact.account);
    try {
      verdict = co_await processor_.process(contact, account, window);
    } catch (const pqxx::failure&) {
      throw;  // the database, not the rows
    } catch (const std::exception& e) {
      // A fault of keapsync on these rows would repeat on every claim.
      verdict = Verdict{};
      for (const auto& row : contact.rows)
        verdict.bury(row.id, std::string("internal: ") + e.what(), "internal");
      logger_.error("delivering the contact failed inside keapsync; its rows are dead-lettered",
                    {{"account", contact.account},
                     {"contact_ref", contact.contact_ref},
                     {"error", e.what()}});
    }
    if (verdict.fenced) {
      logger_.warn(
          "delivery stopped: the lease is no longer certain; rows not yet in Keap stay pending",
          {{"account", contact.account}, {"contact_ref", contact.contact_ref}});
    }
    const db::Settlement& s = verdict.settlement;
    settling_.insert(token);
    const auto result = co_await settle(contact, s);
    if (!result) {
      logger_.error("contact not settled; it is delivered again when its lease expires",
                    {{"account", contact.account}, {"contact_ref", contact.contact_ref}});
    } else if (*result == db::SettleResult::lease_lost) {
      logger_.warn("lease expired before the contact was settled; another worker redelivers it",
                   {{"account", contact.account}, {"contact_ref", contact.contact_ref}});
    } else {
      if (!s.delivered.empty()) {
        // Debug only: at Keap's rate a line per contact costs more than the
        // delivery; keapsync_rows_delivered_total and `keapsync status` count them.
        logger_.debug("contact delivered", {{"account", contact.account},
                                            {"contact_ref", contact.contact_ref},
                                            {"rows", std::ssize(s.delivered)}});
      }
      auto& counts = stats_.rows[contact.account];
      counts.delivered += static_cast<std::int64_t>(s.delivered.size());
      for (const auto& [reason_class, n] : verdict.dead_by_class)
        counts.dead[reason_class] += n;
      if (!s.retry.empty()) counts.retried[verdict.retry_class] += std::ssize(s.retry);
    }
  } catch (const std::exception& e) {
    // The database failed mid-way: the lease expires and the contact is redelivered.
    logger_.error(
        "contact not settled",
        {{"account", contact.account}, {"contact_ref", contact.contact_ref}, {"error", e.what()}});
  }
  in_flight_.erase(token);
  settling_.erase(token);
  wake();
}

boost::asio::awaitable<void> Dispatcher::release_in_flight() {
  if (in_flight_.empty()) co_return;
  // A contact being settled is left to its settlement (or its lease): the
  // release would make rows Keap has already free for a second delivery.
  std::vector<std::int64_t> tokens;
  for (const auto& [token, work] : in_flight_)
    if (!settling_.contains(token)) tokens.push_back(token);
  if (tokens.empty()) co_return;
  logger_.warn("releasing contacts still in flight at shutdown",
               {{"contacts", static_cast<std::int64_t>(tokens.size())}});
  try {
    co_await db_.run(
        [&tokens](pqxx::connection& conn) { return db::OutboxRepository(conn).release(tokens); });
  } catch (const std::exception& e) {
    logger_.error("could not release in-flight contacts; their leases expire instead",
                  {{"error", e.what()}});
  }
  in_flight_.clear();
}

}  // namespace keapsync::engine
