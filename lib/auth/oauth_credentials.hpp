// `auth: oauth`: the access token of one account, kept fresh. The refresh
// schedule decides when; the TokenRefresher (a row lock in PostgreSQL) makes
// sure only one process of all refreshes, committing the new pair before it is
// used. A dead refresh token blocks the account (reauthorization_required)
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
#include <vector>

#include "db/database_pool.hpp"
#include "db/stored_credentials.hpp"
#include "db/token_cipher.hpp"
#include "keap/clock.hpp"
#include "keap/credentials.hpp"
#include "keap/oauth_client.hpp"
#include "keap/refresh_schedule.hpp"
#include "log/logger.hpp"

namespace keapsync::keap {

// The keys that seal stored tokens (token_encryption_key_file and the
// previous ones still being rotated out).
struct TokenKeys {
  std::optional<db::TokenCipher> current;
  std::vector<db::TokenCipher> previous;
};

class OAuthCredentials final : public Credentials {
 public:
  // `client_secret_file`: re-read while Keap rejects the app's credentials
  // (credentials_rejected) until it holds another secret; empty: never.
  OAuthCredentials(boost::asio::any_io_executor executor, std::string account, db::DatabasePool& db,
                   TokenKeys keys, OAuthClient& oauth, Clock clock, log::Logger logger,
                   RefreshPolicy policy = {}, std::string client_secret_file = "");

  boost::asio::awaitable<std::optional<AuthHeader>> header() override;
  boost::asio::awaitable<bool> on_unauthorized(const AuthHeader& used) override;
  AccountState state() const override;

  // Refreshes ahead of expiry and watches the store while blocked; until stop().
  boost::asio::awaitable<void> run();
  void stop();

  std::optional<TimePoint> expires_at() const;

  // Called after every refresh attempt with its result (the metrics hook): "refreshed",
  // "refreshed_by_sibling", "reauthorization_required", "credentials_rejected" or "failed".
  using RefreshObserver = std::function<void(std::string_view result)>;
  void observe_refreshes(RefreshObserver observer) { observer_ = std::move(observer); }

 private:
  boost::asio::awaitable<void> load();
  boost::asio::awaitable<void> refresh();
  void adopt(const db::StoredCredentials& stored);
  // While the app's credentials are rejected: a changed client_secret_file
  // lifts the block (checked at most every kSecretRecheck of the clock).
  void recheck_client_secret();

  boost::asio::any_io_executor executor_;
  std::string account_;
  db::DatabasePool& db_;
  TokenKeys keys_;
  OAuthClient& oauth_;
  Clock clock_;
  log::Logger logger_;
  RefreshSchedule schedule_;
  std::string client_secret_file_;
  TimePoint next_secret_check_{};
  std::optional<db::StoredCredentials> current_;
  bool loaded_ = false;
  bool refreshing_ = false;
  bool stopped_ = false;
  bool reported_block_ = false;
  boost::asio::steady_timer refreshed_;  // cancelled when a refresh ends (wakes waiters)
  boost::asio::steady_timer ticker_;     // run()'s sleep
  RefreshObserver observer_;
};

}  // namespace keapsync::keap
