// `auth: oauth`: the access token of one account, kept fresh. The refresh
// schedule decides when; a refresh is one coroutine under one deadline that
// TokenRefresher runs on a pinned database connection holding the account's
// row lock from before POST /token until the new pair is committed. A pair
// whose commit fails is kept in memory, used, and written again until it is
// stored. A dead refresh token blocks the account (reauthorization_required)
// until `keapsync auth` stores a new pair, which run() notices by itself; a
// rejected client secret blocks it (credentials_rejected) until
// client_secret_file changes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credentials.hpp"
#include "auth/oauth_client.hpp"
#include "auth/refresh_result.hpp"
#include "auth/refresh_schedule.hpp"
#include "auth/refresh_timing.hpp"
#include "auth/token_keys.hpp"
#include "base/clock.hpp"
#include "db/database_pool.hpp"
#include "db/refresh_journal.hpp"
#include "db/stored_credentials.hpp"
#include "log/logger.hpp"

namespace keapsync::auth {

// What status, /readyz and /metrics show of one OAuth account.
struct OAuthStatus {
  AccountState state = AccountState::ok;
  std::string reason;  // why it is blocked or what the last failure was ("" when all is well)
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> last_refresh;  // the last refresh this process committed (or adopted)
  std::optional<TimePoint> next_refresh;  // planned or retried
  bool unsaved = false;                   // a rotated pair waits to be stored
};

class OAuthCredentials final : public Credentials {
 public:
  // `client_secret_file`: re-read while Keap rejects the app's credentials
  // (credentials_rejected) until it holds another secret; empty: never.
  OAuthCredentials(boost::asio::any_io_executor executor, std::string account, db::DatabasePool& db,
                   TokenKeys keys, OAuthClient& oauth, Clock clock, log::Logger logger,
                   RefreshPolicy policy = {}, std::string client_secret_file = "",
                   RefreshTiming timing = {});

  boost::asio::awaitable<std::optional<AuthHeader>> header() override;
  boost::asio::awaitable<bool> on_unauthorized(const AuthHeader& used) override;
  AccountState state() const override;

  // Refreshes ahead of expiry, stores an unsaved pair and watches the store
  // while blocked; until stop().
  boost::asio::awaitable<void> run();
  void stop();

  OAuthStatus status() const;

  // Called after every refresh attempt with its result (the metrics hook): "refreshed",
  // "refreshed_unsaved", "refreshed_by_sibling", "reauthorization_required",
  // "credentials_rejected", "rejected" or "failed".
  using RefreshObserver = std::function<void(std::string_view result)>;
  void observe_refreshes(RefreshObserver observer) { observer_ = std::move(observer); }

 private:
  boost::asio::awaitable<void> load();
  boost::asio::awaitable<void> refresh();
  boost::asio::awaitable<RefreshResult> locked_refresh(std::int64_t seen);
  void settle(const RefreshResult& result);
  // Writes a rotated pair whose first commit failed; true once it is stored.
  boost::asio::awaitable<bool> save_unsaved();
  void adopt(const db::StoredCredentials& stored);
  // While the app's credentials are rejected: a changed client_secret_file
  // lifts the block (checked at most every kSecretRecheck of the clock).
  void recheck_client_secret();
  void report_block(const std::string& message, const std::string& error);
  // Returns once no refresh is in flight.
  boost::asio::awaitable<void> refresh_ended();
  // run()'s pause; stop() ends it early.
  boost::asio::awaitable<void> sleep(std::chrono::steady_clock::duration d);

  boost::asio::any_io_executor executor_;
  std::string account_;
  db::DatabasePool& db_;
  TokenKeys keys_;
  OAuthClient& oauth_;
  Clock clock_;
  log::Logger logger_;
  RefreshSchedule schedule_;
  std::string client_secret_file_;
  RefreshTiming timing_;
  db::RefreshJournal journal_;  // used on a pool thread, by one refresh at a time
  TimePoint next_secret_check_{};
  std::optional<db::StoredCredentials> current_;
  // A pair Keap issued whose commit failed, and the version it replaces.
  std::optional<db::StoredCredentials> unsaved_;
  std::int64_t unsaved_seen_ = 0;
  TimePoint next_save_{};
  int save_failures_ = 0;
  std::optional<TimePoint> last_refresh_;
  bool loaded_ = false;
  bool refreshing_ = false;
  bool saving_ = false;         // save_unsaved() is writing the unsaved pair
  TimePoint rejected_since_{};  // when the client credentials were last refused
  bool stopped_ = false;
  bool reported_block_ = false;
  boost::asio::steady_timer refreshed_;  // cancelled when a refresh ends (wakes waiters)
  boost::asio::steady_timer ticker_;     // run()'s sleep
  RefreshObserver observer_;
};

}  // namespace keapsync::auth
