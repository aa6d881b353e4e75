// The OAuth refresh loop of one account.
#include "keap/oauth_credentials.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "db/token_refresher.hpp"
#include "db/token_store.hpp"

namespace keapsync::keap {
namespace {

namespace asio = boost::asio;

// How often a blocked account re-reads the store for a new authorization.
constexpr auto kBlockedRecheck = std::chrono::seconds(15);
// The token call's own deadline: well below TokenRefresher's hold_limit.
constexpr auto kTokenCallDeadline = std::chrono::seconds(30);
// How long a refresh waits for a sibling holding the lock.
constexpr auto kRefreshDeadline = std::chrono::seconds(90);
// How often a rejected client_secret_file is re-read.
constexpr auto kSecretRecheck = std::chrono::seconds(30);

TokenStamp stamp_of(const db::StoredCredentials& c) {
  const auto issued = c.issued_at.value_or(c.expires_at.value_or(TimePoint{}));
  const auto expires = c.expires_at.value_or(issued);
  return {issued, std::chrono::duration_cast<std::chrono::seconds>(expires - issued), c.version};
}

}  // namespace

OAuthCredentials::OAuthCredentials(asio::any_io_executor executor, std::string account,
                                   db::DatabasePool& db, TokenKeys keys, OAuthClient& oauth,
                                   Clock clock, log::Logger logger, RefreshPolicy policy,
                                   std::string client_secret_file)
    : executor_(executor),
      account_(std::move(account)),
      db_(db),
      keys_(std::move(keys)),
      oauth_(oauth),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      schedule_(policy),
      client_secret_file_(std::move(client_secret_file)),
      refreshed_(executor),
      ticker_(executor) {}

AccountState OAuthCredentials::state() const {
  if (!loaded_) return AccountState::ok;  // not known before the first read of the store
  if (schedule_.state() != RefreshState::reauthorization_required) return AccountState::ok;
  return schedule_.block_reason() == BlockReason::bad_client_credentials
             ? AccountState::credentials_rejected
             : AccountState::reauthorization_required;
}

void OAuthCredentials::recheck_client_secret() {
  const auto now = clock_();
  if (schedule_.block_reason() != BlockReason::bad_client_credentials ||
      client_secret_file_.empty() || now < next_secret_check_) {
    return;
  }
  next_secret_check_ = now + kSecretRecheck;
  try {
    auto secret = config::read_secret_file(client_secret_file_);
    if (secret.reveal() == oauth_.client_secret().reveal()) return;
    oauth_.set_client_secret(std::move(secret));
  } catch (const std::exception& e) {
    logger_.warn("cannot read client_secret_file", {{"error", e.what()}});
    return;
  }
  schedule_.on_client_credentials_changed(now);
  reported_block_ = false;
  logger_.info("client_secret_file changed: refreshing with the new secret");
}

std::optional<TimePoint> OAuthCredentials::expires_at() const {
  if (!current_) return std::nullopt;
  return current_->expires_at;
}

void OAuthCredentials::adopt(const db::StoredCredentials& stored) {
  const bool was_blocked = state() != AccountState::ok;
  current_ = stored;
  if (stored.state == db::CredentialState::reauthorization_required) {
    schedule_.on_refresh_failed(
        {TokenErrorKind::dead_refresh_token, 400, "invalid_grant", stored.reauthorization_reason},
        clock_());
  } else {
    schedule_.on_tokens(stamp_of(stored), clock_());
  }
  if (was_blocked && state() == AccountState::ok && loaded_) {
    logger_.info("new OAuth tokens found: the account is usable again",
                 {{"version", stored.version}});
    reported_block_ = false;
  }
}

asio::awaitable<void> OAuthCredentials::load() {
  auto stored = co_await db_.run([&](pqxx::connection& conn) {
    db::TokenStore store(conn, keys_.current, keys_.previous);
    return store.read(account_);
  });
  if (stored &&
      (!current_ || stored->version != current_->version || stored->state != current_->state)) {
    adopt(*stored);
  }
  loaded_ = true;
  if (state() != AccountState::ok && !reported_block_) {
    reported_block_ = true;
    logger_.error(
        stored ? "the refresh token is dead: re-authorization required; run keapsync auth "
                 "--account " +
                     account_
               : "no OAuth tokens stored for this account: run keapsync auth --account " + account_,
        {{"state", to_string(state())}});
  }
}

asio::awaitable<void> OAuthCredentials::refresh() {
  if (refreshing_) {  // another coroutine refreshes: wait for it
    refreshed_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await refreshed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }
  refreshing_ = true;
  schedule_.on_refresh_started(clock_());
  const auto seen = current_ ? current_->version : 0;
  auto executor = executor_;
  auto& oauth = oauth_;
  auto clock = clock_;
  // The token call runs on the io_context while the database thread holds the lock.
  const db::TokenRefresher::RefreshFn call = [executor, &oauth,
                                              clock](const config::Secret& token) {
    auto promise = std::make_shared<std::promise<db::RefreshOutcome>>();
    auto future = promise->get_future();
    asio::co_spawn(
        executor,
        [&oauth, token, clock]() -> asio::awaitable<db::RefreshOutcome> {
          const auto result = co_await oauth.refresh(token);
          if (const auto* grant = std::get_if<TokenGrant>(&result)) {
            const auto now = clock();
            co_return db::RefreshOutcome::refreshed({grant->access_token, grant->refresh_token, now,
                                                     now + grant->expires_in, grant->scope});
          }
          const auto& error = std::get<TokenError>(result);
          switch (error.kind) {
            case TokenErrorKind::dead_refresh_token:
              co_return db::RefreshOutcome::dead_token(error.message, clock());
            case TokenErrorKind::bad_client_credentials:
              co_return db::RefreshOutcome::client_rejected(error.message);
            case TokenErrorKind::rejected:
            case TokenErrorKind::transient:
              break;
          }
          co_return db::RefreshOutcome::transient(error.message);
        },
        [promise](std::exception_ptr e, db::RefreshOutcome outcome) {
          if (e) outcome = db::RefreshOutcome::transient("token call failed unexpectedly");
          promise->set_value(std::move(outcome));
        });
    if (future.wait_for(kTokenCallDeadline) != std::future_status::ready) {
      return db::RefreshOutcome::transient("the token endpoint did not answer in time");
    }
    return future.get();
  };
  db::RefreshResult result;
  try {
    result = co_await db_.run([&](pqxx::connection& conn) {
      db::TokenStore store(conn, keys_.current, keys_.previous);
      db::TokenRefresher refresher(store);
      return refresher.refresh(account_, seen, call,
                               std::chrono::steady_clock::now() + kRefreshDeadline);
    });
  } catch (const std::exception& e) {
    result.kind = db::RefreshResult::Kind::transient_failure;
    result.error = e.what();
  }
  const char* outcome = "failed";
  switch (result.kind) {
    case db::RefreshResult::Kind::refreshed:
    case db::RefreshResult::Kind::refreshed_by_sibling:
      outcome =
          result.kind == db::RefreshResult::Kind::refreshed ? "refreshed" : "refreshed_by_sibling";
      adopt(*result.credentials);
      logger_.info(result.kind == db::RefreshResult::Kind::refreshed
                       ? "OAuth tokens refreshed"
                       : "OAuth tokens refreshed by another process",
                   {{"version", current_->version}});
      break;
    case db::RefreshResult::Kind::reauthorization_required:
    case db::RefreshResult::Kind::no_credentials:
      outcome = "reauthorization_required";
      schedule_.on_refresh_failed(
          {TokenErrorKind::dead_refresh_token, 400, "invalid_grant", result.error}, clock_());
      if (result.credentials) current_ = result.credentials;
      if (!reported_block_) {
        reported_block_ = true;
        logger_.error(
            "Keap refused the refresh token: re-authorization required; rows of this account "
            "wait until keapsync auth --account " +
                account_ + " succeeds",
            {{"state", "reauthorization_required"}, {"error", result.error}});
      }
      break;
    case db::RefreshResult::Kind::client_rejected:
      outcome = "credentials_rejected";
      schedule_.on_refresh_failed(
          {TokenErrorKind::bad_client_credentials, 401, "invalid_client", result.error}, clock_());
      next_secret_check_ = clock_() + kSecretRecheck;
      if (!reported_block_) {
        reported_block_ = true;
        logger_.error(
            "Keap rejected the app's client credentials (client_id, client_secret_file): the "
            "account is blocked until client_secret_file holds the app's current secret",
            {{"state", "credentials_rejected"}, {"error", result.error}});
      }
      break;
    case db::RefreshResult::Kind::transient_failure:
    case db::RefreshResult::Kind::timed_out:
      schedule_.on_refresh_failed({TokenErrorKind::transient, 0, "", result.error}, clock_());
      logger_.warn("token refresh failed; backing off", {{"error", result.error}});
      break;
  }
  refreshing_ = false;
  refreshed_.cancel();
  if (observer_) observer_(outcome);
}

asio::awaitable<std::optional<AuthHeader>> OAuthCredentials::header() {
  if (!loaded_) co_await load();
  recheck_client_secret();
  if (schedule_.next(clock_()).kind == RefreshStep::Kind::refresh || refreshing_) {
    co_await refresh();
  }
  if (!current_ || current_->access_token.empty()) co_return std::nullopt;
  if (state() != AccountState::ok && !schedule_.access_token_usable(clock_())) {
    co_return std::nullopt;
  }
  co_return AuthHeader{"Authorization",
                       config::Secret("Bearer " + current_->access_token.reveal())};
}

asio::awaitable<bool> OAuthCredentials::on_unauthorized(const AuthHeader& used) {
  if (!current_) co_return false;
  if (!(used.value.reveal() == "Bearer " + current_->access_token.reveal())) co_return true;
  switch (schedule_.on_unauthorized(current_->version, false, clock_())) {
    case UnauthorizedDecision::retry_now:
      co_return true;
    case UnauthorizedDecision::give_up:
      co_return false;
    case UnauthorizedDecision::refresh_then_retry:
      co_await refresh();
      co_return state() == AccountState::ok;
  }
  co_return false;
}

asio::awaitable<void> OAuthCredentials::run() {
  while (!stopped_) {
    try {
      if (!loaded_ || state() != AccountState::ok) co_await load();
      recheck_client_secret();
      if (state() == AccountState::ok &&
          schedule_.next(clock_()).kind == RefreshStep::Kind::refresh) {
        co_await refresh();
      }
    } catch (const std::exception& e) {
      logger_.warn("cannot read the stored tokens", {{"error", e.what()}});
    }
    const auto step = schedule_.next(clock_());
    auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        step.kind == RefreshStep::Kind::wait ? step.until - clock_() : Duration(kBlockedRecheck));
    wait = std::clamp(wait, std::chrono::steady_clock::duration(std::chrono::milliseconds(100)),
                      std::chrono::steady_clock::duration(kBlockedRecheck));
    ticker_.expires_after(wait);
    boost::system::error_code ec;
    co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void OAuthCredentials::stop() {
  stopped_ = true;
  ticker_.cancel();
}

}  // namespace keapsync::keap
