// The claim / deliver / settle loop.
#include "engine/dispatcher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "db/outbox_repository.hpp"

namespace keapsync::engine {
namespace {

// How often a settlement is tried again while the database is away.
constexpr auto kSettleRetry = std::chrono::seconds(1);

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
      lease_timer_(executor) {}

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

boost::asio::awaitable<void> Dispatcher::run() {
  boost::asio::co_spawn(executor_, keep_leases(), boost::asio::detached);
  while (!stopping_) {
    const int free = worker_.concurrency - in_flight();
    bool more = false;
    if (free > 0) {
      db::ClaimOptions options;
      options.worker = worker_id_;
      options.max_contacts = std::min(free, worker_.batch_size);
      options.max_rows_per_contact = worker_.max_rows_per_contact;
      options.lease = worker_.lease_duration;
      std::vector<db::ClaimedContact> claimed;
      bool database_failed = false;
      try {
        claimed = co_await db_.run([&](pqxx::connection& conn) {
          return db::OutboxRepository(conn).claim(options, clock_());
        });
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
      more = static_cast<int>(claimed.size()) == options.max_contacts;
      for (auto& c : claimed) {
        const auto token = c.lease_token;
        in_flight_.emplace(token, c);
        boost::asio::co_spawn(executor_, deliver(std::move(c)), boost::asio::detached);
      }
    }
    if (more && in_flight() < worker_.concurrency) continue;
    co_await sleep(worker_.poll_interval);
  }
  // Drain: wait for in-flight contacts, at most shutdown_timeout.
  const auto deadline = std::chrono::steady_clock::now() + worker_.shutdown_timeout;
  while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline) {
    co_await sleep(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
  }
  release_in_flight();
  finished_ = true;
  lease_timer_.cancel();
}

boost::asio::awaitable<void> Dispatcher::keep_leases() {
  const auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(worker_.lease_duration / 3);
  while (!finished_) {
    lease_timer_.expires_after(interval);
    boost::system::error_code ec;
    co_await lease_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (finished_ || in_flight_.empty()) continue;
    std::vector<db::ClaimedContact> held;
    for (const auto& [token, c] : in_flight_)
      held.push_back({c.account, c.contact_ref, c.lease_token, {}});
    const auto until = clock_() + worker_.lease_duration;
    try {
      const auto lost = co_await db_.run([&](pqxx::connection& conn) {
        db::OutboxRepository repo(conn);
        std::vector<db::ClaimedContact> gone;
        for (const auto& c : held) {
          if (repo.extend(c, until) == db::SettleResult::lease_lost) gone.push_back(c);
        }
        return gone;
      });
      for (const auto& c : lost) {
        // A contact settled meanwhile has no lease to renew: that is no loss.
        if (!in_flight_.contains(c.lease_token) || settling_.contains(c.lease_token)) continue;
        logger_.warn("lease lost while delivering; another worker may deliver the contact too",
                     {{"account", c.account}, {"contact_ref", c.contact_ref}});
      }
    } catch (const std::exception& e) {
      logger_.warn("could not renew leases; they expire unless renewed in time",
                   {{"error", e.what()}});
    }
  }
}

boost::asio::awaitable<std::optional<db::SettleResult>> Dispatcher::settle(
    const db::ClaimedContact& contact, const db::Settlement& s) {
  const auto give_up = std::chrono::steady_clock::now() + worker_.lease_duration;
  boost::asio::steady_timer pause(executor_);
  for (int attempt = 0;; ++attempt) {
    try {
      co_return co_await db_.run([&](pqxx::connection& conn) {
        return db::OutboxRepository(conn).settle(contact, s, clock_());
      });
    } catch (const std::exception& e) {
      if (attempt == 0) {
        logger_.warn("cannot settle the contact yet; retrying while the database is away",
                     {{"account", contact.account},
                      {"contact_ref", contact.contact_ref},
                      {"error", e.what()}});
      }
    }
    if (stopping_ || std::chrono::steady_clock::now() >= give_up) co_return std::nullopt;
    pause.expires_after(kSettleRetry);
    boost::system::error_code ec;
    co_await pause.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

boost::asio::awaitable<void> Dispatcher::deliver(db::ClaimedContact contact) {
  const auto token = contact.lease_token;
  try {
    Verdict verdict;
    const auto account = accounts_.find(contact.account);
    if (account == accounts_.end()) {
      for (const auto& row : contact.rows) {
        verdict.bury(row.id,
                     "account \"" + contact.account +
                         "\" is not configured (add it under accounts: and run keapsync dead "
                         "retry)",
                     "unknown_account");
      }
    } else {
      verdict = co_await processor_.process(contact, account->second);
    }
    const db::Settlement& s = verdict.settlement;
    if (in_flight_.count(token) == 0) co_return;  // released at shutdown meanwhile
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
        logger_.info("contact delivered", {{"account", contact.account},
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

void Dispatcher::release_in_flight() {
  if (in_flight_.empty()) return;
  logger_.warn("shutdown timeout reached; releasing contacts still in flight",
               {{"contacts", static_cast<std::int64_t>(in_flight_.size())}});
  try {
    pqxx::connection conn(db_.url());
    db::OutboxRepository repo(conn);
    for (const auto& [token, contact] : in_flight_)
      repo.release(contact);
  } catch (const std::exception& e) {
    logger_.error("could not release in-flight contacts; their leases expire instead",
                  {{"error", e.what()}});
  }
  in_flight_.clear();
}

}  // namespace keapsync::engine
