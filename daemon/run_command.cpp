// `keapsync run`: the daemon. Wires the configuration into the engine on one
// io_context, tells systemd when it is ready, and drains on SIGTERM.
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <set>

#include "auth/api_key_credentials.hpp"
#include "auth/oauth_client.hpp"
#include "auth/oauth_credentials.hpp"
#include "command.hpp"
#include "config/config_diff.hpp"
#include "config/config_loader.hpp"
#include "db/connection_security.hpp"
#include "db/database_pool.hpp"
#include "db/migrator.hpp"
#include "db/notification_listener.hpp"
#include "db/outbox_repository.hpp"
#include "engine/dispatcher.hpp"
#include "engine/health_state.hpp"
#include "engine/metrics.hpp"
#include "engine/rate_history.hpp"
#include "engine/status_board.hpp"
#include "engine/status_server.hpp"
#include "engine/status_snapshot.hpp"
#include "exit_codes.hpp"
#include "http/client.hpp"
#include "keap/rate_limiter.hpp"
#include "log/logger.hpp"
#include "version.hpp"

namespace keapsync::cli {
namespace {

namespace asio = boost::asio;

// Everything one configured account needs; owned by the run command.
struct AccountParts {
  // Its own connections: an account's calls never wait behind another's.
  std::unique_ptr<http::Client> http;
  std::unique_ptr<auth::OAuthClient> oauth;
  std::unique_ptr<auth::Credentials> credentials;
  auth::OAuthCredentials* oauth_credentials = nullptr;  // set for auth: oauth
  keap::RateLimiter* limiter = nullptr;
  std::unique_ptr<keap::KeapApi> api;
  std::string auth;             // "oauth" or "api_key", for the status page
  std::int64_t per_minute = 0;  // its requests per minute, as configured
  std::int64_t requests = 0;    // Keap requests sent since start
};

// The account's request limits: Keap's for its auth kind, as the config
// lowers or raises them.
keap::RateLimits limits_of(const config::AccountConfig& account) {
  auto l = account.auth == config::AuthKind::api_key ? keap::RateLimits::api_key()
                                                     : keap::RateLimits::oauth();
  if (account.requests_per_minute > 0) l.per_minute = account.requests_per_minute;
  if (account.requests_per_day > 0) l.per_day = account.requests_per_day;
  if (account.requests_per_second > 0) {
    l.spike_per_second = account.requests_per_second;
    if (l.per_second > 0) l.per_second = account.requests_per_second;
  }
  return l;
}

// Keap's slowest usual answer: the default concurrency keeps an account at
// its rate limit up to this latency.
constexpr std::chrono::seconds kSlowKeap{1};

std::string worker_id() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

// Pings the systemd watchdog at half its interval while the loop turns.
asio::awaitable<void> watchdog(std::chrono::microseconds interval, const bool& stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping) {
    sd_notify(0, "WATCHDOG=1");
    timer.expires_after(interval / 2);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// The credentials' state, or throttled while the rate limiter pauses a usable account.
auth::AccountState account_state(auth::AccountState s, bool throttled) {
  return s == auth::AccountState::ok && throttled ? auth::AccountState::throttled : s;
}

double epoch_seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// What the status page shows of an account besides its credentials: the
// backlog as last counted, the rows and requests since start, the last hour.
void fill_counts(engine::AccountSnapshot& a, const db::AccountStatus* backlog,
                 const engine::RowCounts* rows, std::int64_t requests, engine::RateHistory& history,
                 TimePoint now, TimePoint started) {
  if (backlog != nullptr) {
    a.backlog_rows = backlog->pending_rows;
    if (backlog->oldest_pending && *backlog->oldest_pending < now)
      a.oldest_pending_age_seconds =
          std::chrono::duration<double>(now - *backlog->oldest_pending).count();
    a.dead_rows = backlog->dead_rows;
  }
  if (rows != nullptr) {
    a.delivered = rows->delivered;
    a.dead_by_reason = rows->dead;
  }
  a.requests = requests;
  history.observe(a.name, a.delivered, a.requests);
  a.last_hour = history.last_hour(a.name);
  a.rate = history.rate(a.name, std::chrono::minutes(5), started);
}

// Feeds /healthz, /readyz, /metrics and the status page: every second from the
// loop's own state, every 15 s the backlog figures from the database.
asio::awaitable<void> observe(engine::Metrics& metrics, engine::HealthState& health,
                              engine::StatusBoard& board, const engine::Dispatcher& dispatcher,
                              const db::NotificationListener& listener,
                              std::map<std::string, AccountParts>& parts, db::DatabasePool& pool,
                              const log::Logger& logger, const bool& stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::map<std::string, engine::RowCounts> reported;
  std::set<std::string> unconfigured;                // accounts already warned about
  std::map<std::string, db::AccountStatus> backlog;  // the last count
  std::optional<double> backlog_checked_at;
  const auto started = std::chrono::system_clock::now();
  engine::RateHistory history([] { return std::chrono::system_clock::now(); });
  std::int64_t claims = 0;
  auto dispatcher_turn = dispatcher.last_turn();
  for (int tick = 0; !stopping; ++tick) {
    // Liveness is the claim loop coming round, not this observer's timer.
    if (dispatcher.last_turn() != dispatcher_turn || tick == 0) {
      dispatcher_turn = dispatcher.last_turn();
      health.loop_tick();
    }
    if (dispatcher.stats().claims != claims) {
      claims = dispatcher.stats().claims;
      health.claim_succeeded();
    }
    health.set_database_reachable(dispatcher.stats().database_ok);
    health.set_listen_connected(listener.connected());
    metrics.database_reachable.set({}, dispatcher.stats().database_ok ? 1 : 0);
    const auto now = std::chrono::system_clock::now();
    if (tick % 15 == 0) {
      try {
        const auto rows = co_await pool.run(
            [](pqxx::connection& conn) { return db::OutboxRepository(conn).status(); });
        // An account whose rows are all gone has no row in `rows`: its gauges
        // go to 0 rather than keep the last backlog (and fire its alerts forever).
        std::map<std::string, db::AccountStatus> counted;
        for (const auto& [name, p] : parts)
          counted[name].account = name;
        for (const auto& [name, status] : backlog)
          counted[name].account = name;
        for (const auto& status : rows)
          counted[status.account] = status;
        for (const auto& [name, status] : counted)
          metrics.record_backlog(status, now);
        backlog.clear();
        for (const auto& status : rows) {
          backlog[status.account] = status;
          // Another daemon may serve it: its rows wait, never go dead here.
          if (status.pending_rows > 0 && !parts.contains(status.account) &&
              unconfigured.insert(status.account).second) {
            logger.warn(
                "rows wait for an account this daemon is not configured for; add it under "
                "accounts: if no other daemon serves it",
                {{"account", status.account}, {"pending_rows", status.pending_rows}});
          }
        }
        backlog_checked_at = epoch_seconds(now);
      } catch (const std::exception&) {
        // database_reachable already says so
      }
    }
    engine::StatusSnapshot snapshot;
    snapshot.version = kVersion;
    snapshot.now = epoch_seconds(now);
    snapshot.started_at = epoch_seconds(started);
    snapshot.database_reachable = dispatcher.stats().database_ok;
    snapshot.backlog_checked_at = backlog_checked_at;
    snapshot.first_minute = epoch_seconds(history.first_minute());
    const auto find = [](const auto& map, const std::string& key) {
      const auto it = map.find(key);
      return it == map.end() ? nullptr : &it->second;
    };
    for (auto& [name, p] : parts) {
      const auto state = account_state(p.credentials->state(), p.limiter->paused_until() > now);
      const auto token = p.oauth_credentials != nullptr
                             ? std::optional(p.oauth_credentials->status())
                             : std::nullopt;
      health.set_account(name, state,
                         token && !auth::is_usable(state) ? token->reason : std::string());
      metrics.set_account_state(name, state);
      auto& limiter = *p.limiter;
      metrics.rate_limit_remaining.set({name, "product_throttle_minute"},
                                       static_cast<double>(limiter.minute_available(now)));
      metrics.rate_limit_remaining.set({name, "tenant_throttle_minute"},
                                       static_cast<double>(limiter.tenant_minute_available(now)));
      metrics.rate_limit_remaining.set({name, "product_quota_day"},
                                       static_cast<double>(std::max<std::int64_t>(
                                           0, limiter.daily_limit() - limiter.daily_used())));
      if (token) {
        const auto seconds = [](TimePoint t) {
          return std::chrono::duration<double>(t.time_since_epoch()).count();
        };
        if (token->expires_at) metrics.token_expiry.set({name}, seconds(*token->expires_at));
        if (token->last_refresh)
          metrics.token_last_refresh.set({name}, seconds(*token->last_refresh));
        if (token->next_refresh)
          metrics.token_next_refresh.set({name}, seconds(*token->next_refresh));
        metrics.token_unsaved.set({name}, token->unsaved ? 1 : 0);
      }
      engine::AccountSnapshot& a = snapshot.accounts.emplace_back();
      a.name = name;
      a.auth = p.auth;
      a.state = auth::to_string(state);
      if (!auth::is_usable(state)) a.reason = token ? token->reason : "the key was refused";
      if (token && token->expires_at) a.token_expires_at = epoch_seconds(*token->expires_at);
      a.requests_per_minute_limit = p.per_minute;
      a.daily_used = limiter.daily_used();
      a.daily_limit = limiter.daily_limit();
      fill_counts(a, find(backlog, name), find(dispatcher.stats().rows, name), p.requests, history,
                  now, started);
    }
    for (const auto& [name, status] : backlog) {
      if (parts.contains(name)) continue;
      engine::AccountSnapshot& a = snapshot.accounts.emplace_back();
      a.name = name;
      a.auth = "not_configured";
      a.state = "not_configured";
      fill_counts(a, &status, nullptr, 0, history, now, started);
    }
    board.publish(std::move(snapshot));
    for (const auto& [account, counts] : dispatcher.stats().rows) {
      auto& last = reported[account];
      metrics.rows_delivered.inc({account}, static_cast<double>(counts.delivered - last.delivered));
      for (const auto& [reason_class, n] : counts.dead)
        metrics.rows_dead.inc({account, reason_class},
                              static_cast<double>(n - last.dead[reason_class]));
      for (const auto& [error_class, n] : counts.retried)
        metrics.rows_retried.inc({account, error_class},
                                 static_cast<double>(n - last.retried[error_class]));
      last = counts;
    }
    timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// SIGHUP: re-reads the configuration file (with the KEAPSYNC_* variables the
// daemon started with); applies log.level at once and names the settings that
// need a restart. A file with errors changes nothing: the daemon keeps running.
void reload(const std::string& path, config::Config& running, const log::Logger& logger) {
  auto result = config::load_config(path, config::process_environment());
  if (!result.config) {
    std::string errors;
    for (const auto& e : result.errors)
      errors += (errors.empty() ? "" : "; ") + e.to_string();
    logger.error(
        "reload refused: the configuration has errors; still running with the previous one",
        {{"errors", errors}});
    return;
  }
  const auto pending = config::changes_needing_restart(running, *result.config);
  running.log.level = result.config->log.level;
  logger.set_level(running.log.level);
  std::string restart;
  for (const auto& name : pending)
    restart += (restart.empty() ? "" : ", ") + name;
  logger.info("configuration reloaded", {{"log_level", config::to_string(running.log.level)},
                                         {"restart_needed_for", restart}});
  if (!pending.empty()) {
    logger.warn("changed settings take effect after a restart: " + restart +
                " (key files are re-read by themselves when Keap rejects a key)");
  }
}

int run(const Arguments& args) {
  const config::Config config = load_config(args, Secrets::read);
  const log::Logger logger = log::make_logger(config.log);
  {
    auto conn = connect_database(config);
    const int version = db::Migrator::current_version(*conn);
    if (version != db::Migrator().latest_version()) {
      throw CommandFailed(kExitFailure, "the database schema is at version " +
                                            std::to_string(version) + ", this keapsync needs " +
                                            std::to_string(db::Migrator().latest_version()) +
                                            ": run keapsync migrate first");
    }
  }

  asio::io_context io;
  const auto clock = system_clock();
  const http::ClientOptions http_options = client_options(config, &logger);
  // The token endpoint has a client of its own: a refresh never waits behind
  // API calls for a connection, and each account has at most one in flight.
  http::ClientOptions token_options = http_options;
  token_options.max_connections_per_host = std::max<std::size_t>(1, config.accounts.size());
  http::Client token_client(io.get_executor(), token_options);
  const http::Url api_url = http::Url::parse(config.keap.api_url);

  // A token refresh holds a pool thread while it waits for Keap: keep spares for the outbox.
  if (const auto host = db::unverified_remote_host(config.database.url)) {
    logger.warn("database.url reaches another host over TCP without sslmode=verify-full; add it",
                {{"host", *host}});
  }
  db::DatabasePool pool(config.database.url, 2 + static_cast<int>(config.accounts.size()));
  const auth::TokenKeys keys = load_token_keys(config, logger);
  // Keap counts OAuth quotas per client id and key quotas per key: one limiter
  // each, under the lowest limits of the accounts that share it.
  const auto limiter_key = [](const std::string& name, const config::AccountConfig& account) {
    return account.auth == config::AuthKind::api_key ? "key:" + name
                                                     : "client:" + account.client_id;
  };
  std::map<std::string, keap::RateLimits> shared_limits;
  for (const auto& [name, account] : config.accounts) {
    const auto key = limiter_key(name, account);
    const auto mine = limits_of(account);
    const auto it = shared_limits.find(key);
    shared_limits.insert_or_assign(
        key, it == shared_limits.end() ? mine : keap::lowest(it->second, mine));
  }
  std::map<std::string, std::unique_ptr<keap::RateLimiter>> limiters;
  std::map<std::string, AccountParts> parts;
  std::map<std::string, engine::AccountContext> accounts;
  for (const auto& [name, account] : config.accounts) {
    const auto account_log = logger.with({{"account", name}});
    AccountParts p;
    if (account.auth == config::AuthKind::api_key) {
      p.credentials =
          std::make_unique<auth::ApiKeyCredentials>(account.api_key_file, clock, account_log);
    } else {
      p.oauth = std::make_unique<auth::OAuthClient>(
          token_client, config.keap.token_url, account.client_id,
          config::read_secret_file(account.client_secret_file));
      auth::RefreshPolicy refresh_policy;
      refresh_policy.refresh_fraction = config.keap.token_refresh_fraction;
      auto oauth = std::make_unique<auth::OAuthCredentials>(
          io.get_executor(), name, pool, keys, *p.oauth, clock, account_log, refresh_policy,
          account.client_secret_file);
      p.oauth_credentials = oauth.get();
      p.credentials = std::move(oauth);
    }
    const auto key = limiter_key(name, account);
    const auto& limits = shared_limits.at(key);
    auto& limiter = limiters[key];
    if (!limiter) limiter = std::make_unique<keap::RateLimiter>(limits, clock());
    p.limiter = limiter.get();
    p.auth = account.auth == config::AuthKind::api_key ? "api_key" : "oauth";
    p.per_minute = limits.per_minute;
    // One call at a time per contact: a connection per contact in flight.
    const int concurrency = account.concurrency > 0
                                ? account.concurrency
                                : keap::calls_in_flight(limits_of(account), kSlowKeap);
    http::ClientOptions account_http = http_options;
    account_http.max_connections_per_host = static_cast<std::size_t>(concurrency);
    p.http = std::make_unique<http::Client>(io.get_executor(), account_http);
    account_log.info("account limits",
                     {{"concurrency", concurrency},
                      {"requests_per_minute", limits.per_minute},
                      {"requests_per_second",
                       limits.per_second > 0 ? limits.per_second : limits.spike_per_second},
                      {"requests_per_day", limits.per_day}});
    p.api = std::make_unique<keap::KeapApi>(*p.http, api_url, *p.credentials, *p.limiter, clock,
                                            account_log);
    accounts[name] =
        engine::AccountContext{name,
                               p.api.get(),
                               std::make_unique<engine::TagResolver>(pool, name, logger),
                               std::make_unique<engine::TagBatcher>(*p.api),
                               account.create_missing_tags,
                               concurrency};
    parts.emplace(name, std::move(p));
  }

  const engine::RetryPolicy policy(config.worker.retry_initial, config.worker.retry_max,
                                   config.worker.max_attempts, engine::default_random());
  engine::ContactProcessor processor(pool, policy, clock, logger);
  engine::Dispatcher dispatcher(io.get_executor(), pool, processor, accounts, config.worker,
                                worker_id(), clock, logger);
  db::NotificationListener listener(
      io.get_executor(), config.database.url, [&] { dispatcher.wake(); }, logger);

  engine::Metrics metrics(
      kVersion,
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  for (auto& [name, p] : parts) {
    p.api->observe_requests(
        [&metrics, &sent = p.requests, account = name](const keap::RequestRecord& r) {
          metrics.record_keap_request(account, r.method, r.route, r.status, r.seconds);
          ++sent;
        });
    if (p.oauth_credentials != nullptr) {
      p.oauth_credentials->observe_refreshes([&metrics, account = name](std::string_view result) {
        metrics.token_refreshes.inc({account, std::string(result)});
      });
    }
  }
  engine::HealthState health(engine::HealthRules{std::max<std::chrono::milliseconds>(
      std::chrono::seconds(60), 3 * config.worker.poll_interval)});
  health.set_schema_current(true);
  engine::StatusServerOptions status_options;
  status_options.listen = config.listen;
  status_options.allow_non_loopback = config.listen_allow_remote;
  engine::StatusBoard status_board;
  engine::StatusServer status_server(io.get_executor(), status_options, health, metrics.registry,
                                     &status_board);
  status_server.start();

  bool stopping = false;
  const std::string config_path = args.value("--config").value_or(kDefaultConfigPath);
  config::Config running = config;
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
          reload(config_path, running, logger);
          signals.async_wait(on_signal);
          return;
        }
        logger.info("stopping: finishing in-flight contacts",
                    {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"},
                     {"in_flight", dispatcher.in_flight()}});
        sd_notify(0, "STOPPING=1");
        stopping = true;
        health.set_shutting_down();
        listener.stop();
        dispatcher.stop();
        for (auto& [name, p] : parts) {
          if (p.oauth_credentials != nullptr) p.oauth_credentials->stop();
        }
      };
  signals.async_wait(on_signal);

  asio::co_spawn(io, listener.run(), asio::detached);
  for (auto& [name, p] : parts) {
    if (p.oauth_credentials != nullptr) {
      asio::co_spawn(io, p.oauth_credentials->run(), asio::detached);
    }
  }
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await dispatcher.run();
        signals.cancel();
        for (auto& [name, p] : parts)
          p.http->close_idle();
        token_client.close_idle();
        std::int64_t delivered = 0;
        for (const auto& [account, counts] : dispatcher.stats().rows)
          delivered += counts.delivered;
        status_server.stop();
        logger.info("stopped", {{"delivered_rows", delivered}});
      },
      asio::detached);
  asio::co_spawn(
      io,
      observe(metrics, health, status_board, dispatcher, listener, parts, pool, logger, stopping),
      asio::detached);
  std::uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
    asio::co_spawn(io, watchdog(std::chrono::microseconds(watchdog_usec), stopping),
                   asio::detached);
  }
  logger.info("keapsync started", {{"accounts", static_cast<std::int64_t>(accounts.size())},
                                   {"status_port", static_cast<std::int64_t>(status_server.port())},
                                   {"concurrency", config.worker.concurrency},
                                   {"api_url", http::redact_userinfo(config.keap.api_url)}});
  sd_notify(0, "READY=1");
  io.run();
  return kExitOk;
}

}  // namespace

std::vector<Command> daemon_commands() {
  return {{"run",
           "the daemon: drain the outbox into Keap",
           "Runs until SIGTERM or SIGINT: claims contacts from the outbox, delivers them to\n"
           "Keap, retries what is transient and dead-letters what is not. Wakes on the\n"
           "outbox trigger's NOTIFY and polls every worker.poll_interval as a safety net.\n"
           "Each claimed contact is leased for worker.lease_duration (the database's clock)\n"
           "and renewed while it is delivered; a Keap call never outlives the lease, and a\n"
           "crashed daemon's contacts return when their leases end.\n"
           "On SIGTERM it stops claiming, waits up to worker.shutdown_timeout for contacts\n"
           "in flight, lets the Keap calls already sent end, releases the rest and exits 0.\n"
           "Logs go to stdout (log.format).\n"
           "Under systemd (Type=notify) it reports READY=1 and pings the watchdog.\n"
           "SIGHUP (systemctl reload) re-reads FILE: log.level applies at once, other\n"
           "changes are named in the log and wait for a restart; a file with errors is\n"
           "refused and the daemon keeps running as it was.\n"
           "Serves a status page (GET /, its data as /status.json), /healthz, /readyz\n"
           "and /metrics (Prometheus) on `listen`.\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
           "\n"
           "Exit status: 0 stopped cleanly, 1 failed (e.g. schema not migrated),\n"
           "69 database unreachable at start, 78 bad configuration.\n",
           "keapsync run [-c FILE]",
           {kConfigOption},
           run}};
}

}  // namespace keapsync::cli
