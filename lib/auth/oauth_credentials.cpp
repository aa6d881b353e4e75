// The OAuth refresh loop of one account.
#include "auth/oauth_credentials.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "auth/token_refresher.hpp"
#include "db/token_store.hpp"

namespace keapsync::auth {
namespace {

namespace asio = boost::asio;

// How often a blocked account re-reads the store for a new authorization.
constexpr auto kBlockedRecheck = std::chrono::seconds(15);
// How often a rejected client_secret_file is re-read.
constexpr auto kSecretRecheck = std::chrono::seconds(30);
// Retries of an unsaved pair: doubling from 1 s up to this, and at stop.
constexpr auto kSaveBackoffMax = std::chrono::seconds(30);
constexpr int kSavesAtStop = 5;
// A credentials_rejected block is tried again this often even when
// client_secret_file did not change (a gateway's stray 401 must not block for ever).
constexpr auto kRejectedRetry = std::chrono::hours(1);

TokenStamp stamp_of(const db::StoredCredentials& c) {
  const auto issued = c.issued_at.value_or(c.expires_at.value_or(TimePoint{}));
  const auto expires = c.expires_at.value_or(issued);
  return {issued, std::chrono::duration_cast<std::chrono::seconds>(expires - issued), c.version};
}

// The label keapsync_token_refreshes_total counts a result under.
const char* observed(RefreshResult::Kind kind) {
  switch (kind) {
    case RefreshResult::Kind::refreshed:
    case RefreshResult::Kind::refreshed_unsaved:
    case RefreshResult::Kind::refreshed_by_sibling:
    case RefreshResult::Kind::rejected:
      return to_string(kind);
    case RefreshResult::Kind::reauthorization_required:
    case RefreshResult::Kind::no_credentials:
      return "reauthorization_required";
    case RefreshResult::Kind::client_rejected:
      return "credentials_rejected";
    case RefreshResult::Kind::transient_failure:
    case RefreshResult::Kind::timed_out:
      break;
  }
  return "failed";
}

}  // namespace

OAuthCredentials::OAuthCredentials(asio::any_io_executor executor, std::string account,
                                   db::DatabasePool& db, TokenKeys keys, OAuthClient& oauth,
                                   Clock clock, log::Logger logger, RefreshPolicy policy,
                                   std::string client_secret_file, RefreshTiming timing)
    : executor_(executor),
      account_(std::move(account)),
      db_(db),
      keys_(std::move(keys)),
      oauth_(oauth),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      schedule_(policy),
      client_secret_file_(std::move(client_secret_file)),
      timing_(timing),
      journal_(db.url()),
      refreshed_(executor),
      ticker_(executor) {
  if (!timing_.valid()) throw std::invalid_argument("OAuthCredentials: waits do not nest");
}

AccountState OAuthCredentials::state() const {
  if (!loaded_) return AccountState::ok;  // not known before the first read of the store
  if (schedule_.state() != RefreshState::reauthorization_required) return AccountState::ok;
  return schedule_.block_reason() == BlockReason::bad_client_credentials
             ? AccountState::credentials_rejected
             : AccountState::reauthorization_required;
}

OAuthStatus OAuthCredentials::status() const {
  OAuthStatus s;
  s.state = state();
  s.reason = schedule_.last_error();
  if (s.state == AccountState::reauthorization_required && current_ &&
      !current_->reauthorization_reason.empty()) {
    s.reason = current_->reauthorization_reason;
  }
  if (current_) s.expires_at = current_->expires_at;
  s.last_refresh = last_refresh_;
  if (schedule_.next_attempt_at() != TimePoint::max()) s.next_refresh = schedule_.next_attempt_at();
  s.unsaved = unsaved_.has_value();
  return s;
}

void OAuthCredentials::recheck_client_secret() {
  const auto now = clock_();
  if (schedule_.block_reason() != BlockReason::bad_client_credentials || now < next_secret_check_) {
    return;
  }
  next_secret_check_ = now + kSecretRecheck;
  bool changed = false;
  if (!client_secret_file_.empty()) {
    try {
      auto secret = config::read_secret_file(client_secret_file_);
      changed = !(secret.reveal() == oauth_.client_secret().reveal());
      if (changed) oauth_.set_client_secret(std::move(secret));
    } catch (const std::exception& e) {
      logger_.warn("cannot read client_secret_file", {{"error", e.what()}});
      return;
    }
  }
  if (!changed && now < rejected_since_ + kRejectedRetry) return;
  schedule_.on_client_credentials_changed(now);
  reported_block_ = false;
  rejected_since_ = now;
  logger_.info(changed ? "client_secret_file changed: refreshing with the new secret"
                       : "trying the rejected client credentials once more");
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

void OAuthCredentials::report_block(const std::string& message, const std::string& error) {
  if (reported_block_) return;
  reported_block_ = true;
  logger_.error(message, {{"state", to_string(state())}, {"error", error}});
}

asio::awaitable<void> OAuthCredentials::load() {
  if (unsaved_) co_return;  // the store holds the spent pair until the unsaved one is written
  std::optional<db::StoredCredentials> stored;
  try {
    stored = co_await db_.run([&](pqxx::connection& conn) {
      db::TokenStore store(conn, keys_.current, keys_.previous);
      return store.read(account_);
    });
  } catch (const db::CredentialDecryptError& e) {
    // Tokens this process cannot open (a plain row while a key is set, a key
    // not configured): the account is blocked and its rows wait, not buried,
    // until the row opens again (rotate-key, a new authorization, the key).
    current_.reset();
    schedule_.on_refresh_failed({TokenErrorKind::dead_refresh_token, 0, "", e.what()}, clock_());
    loaded_ = true;
    report_block("the stored OAuth tokens cannot be opened: the account's rows wait", e.what());
    co_return;
  }
  if (stored &&
      (!current_ || stored->version != current_->version || stored->state != current_->state)) {
    adopt(*stored);
  }
  loaded_ = true;
  if (state() != AccountState::ok) {
    report_block(
        stored ? "the refresh token is dead: re-authorization required; run keapsync "
                 "auth --account " +
                     account_
               : "no OAuth tokens stored for this account: run keapsync auth --account " + account_,
        stored ? stored->reauthorization_reason : "");
  }
}

asio::awaitable<bool> OAuthCredentials::save_unsaved() {
  if (!unsaved_) co_return true;
  if (saving_) co_return false;  // another coroutine is writing it right now
  saving_ = true;
  // Copies: the pool thread must not read members the event loop may change.
  const db::TokenPair pair{unsaved_->access_token, unsaved_->refresh_token,
                           unsaved_->issued_at.value_or(TimePoint{}),
                           unsaved_->expires_at.value_or(TimePoint{}), unsaved_->scope};
  const auto seen = unsaved_seen_;
  std::optional<std::int64_t> stored;
  std::string error;
  try {
    stored = co_await db_.run([&](pqxx::connection& conn) {
      db::TokenStore store(conn, keys_.current, keys_.previous);
      return store.save_rotated(account_, pair, seen);
    });
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "database error";
  }
  saving_ = false;
  if (!error.empty()) {
    ++save_failures_;
    const auto delay = std::min<Duration>(kSaveBackoffMax,
                                          std::chrono::seconds(1LL << std::min(save_failures_, 5)));
    next_save_ = clock_() + delay;
    logger_.warn("the rotated OAuth tokens are still not stored; using them from memory",
                 {{"error", error}, {"attempts", save_failures_}});
    co_return false;
  }
  if (stored) {
    logger_.info("the rotated OAuth tokens are stored now", {{"version", *stored}});
    current_->version = *stored;
  } else {
    // Someone stored another pair meanwhile (a new `keapsync auth`): it wins.
    logger_.warn("another OAuth pair was stored meanwhile: it replaces the unsaved one");
    loaded_ = false;
  }
  unsaved_.reset();
  save_failures_ = 0;
  if (!loaded_) {
    try {
      co_await load();
    } catch (const std::exception& e) {
      logger_.warn("cannot read the stored tokens", {{"error", e.what()}});
    }
  }
  co_return true;
}

asio::awaitable<RefreshResult> OAuthCredentials::locked_refresh(std::int64_t seen) {
  auto note = std::make_shared<std::string>();
  // The token call runs on the io_context while the database thread holds the
  // lock. Its own deadline (timing_.token_call, every step included) ends it
  // and the holder waits for it, so an answer that arrives in time is always
  // committed or kept.
  const TokenRefresher::RefreshFn call = [this, note](const config::Secret& token) {
    // Counted from here, before the event loop picks the call up, so a busy
    // loop cannot stretch the call past what the holder's session allows.
    const auto deadline = std::chrono::steady_clock::now() + timing_.token_call;
    auto promise = std::make_shared<std::promise<TokenResult>>();
    auto future = promise->get_future();
    asio::co_spawn(
        executor_,
        [this, token, note, deadline]() -> asio::awaitable<TokenResult> {
          if (std::chrono::steady_clock::now() >= deadline) {
            co_return token_transport_failure(
                "not sent: the event loop reached the token call after its deadline");
          }
          auto result = co_await oauth_.refresh(token, deadline);
          if (const auto* grant = std::get_if<TokenGrant>(&result)) *note = grant->note;
          co_return result;
        },
        [promise](std::exception_ptr e, TokenResult answer) {
          if (e) answer = token_transport_failure("the token call failed unexpectedly", true);
          promise->set_value(std::move(answer));
        });
    // No limit of its own: the call's deadline ends it, and an answer that
    // came in time must reach the commit (hold_limit leaves room for it).
    return future.get();
  };
  RefreshResult result;
  try {
    result = co_await db_.run([&](pqxx::connection& conn) {
      db::TokenStore store(conn, keys_.current, keys_.previous);
      TokenRefresher refresher(store, journal_, timing_, clock_);
      return refresher.refresh(account_, seen, call,
                               std::chrono::steady_clock::now() + timing_.sibling_wait);
    });
  } catch (const std::exception& e) {
    result.kind = RefreshResult::Kind::transient_failure;
    result.error = e.what();
  }
  if (!note->empty() && (result.kind == RefreshResult::Kind::refreshed ||
                         result.kind == RefreshResult::Kind::refreshed_unsaved)) {
    logger_.warn("the token endpoint's answer was odd; taken as a rotation", {{"note", *note}});
  }
  co_return result;
}

void OAuthCredentials::settle(const RefreshResult& result) {
  using Kind = RefreshResult::Kind;
  switch (result.kind) {
    case Kind::refreshed:
    case Kind::refreshed_by_sibling:
      adopt(*result.credentials);
      last_refresh_ = clock_();
      logger_.info(result.kind == Kind::refreshed ? "OAuth tokens refreshed"
                                                  : "OAuth tokens refreshed by another process",
                   {{"version", current_->version}});
      return;
    case Kind::refreshed_unsaved:
      unsaved_seen_ = result.credentials->version - 1;
      unsaved_ = result.credentials;
      adopt(*result.credentials);
      last_refresh_ = clock_();
      next_save_ = clock_();
      logger_.error(
          "Keap rotated the OAuth tokens but storing them failed: they are used from memory and "
          "written as soon as the database takes them (a restart before then needs keapsync "
          "auth)",
          {{"error", result.error}});
      return;
    case Kind::reauthorization_required:
    case Kind::no_credentials:
      schedule_.on_refresh_failed(
          {TokenErrorKind::dead_refresh_token, 400, "invalid_grant", result.error}, clock_());
      if (result.credentials) current_ = result.credentials;
      report_block(
          "Keap refused the refresh token: re-authorization required; rows of this account wait "
          "until keapsync auth --account " +
              account_ + " succeeds",
          result.error);
      return;
    case Kind::client_rejected:
      schedule_.on_refresh_failed(
          {TokenErrorKind::bad_client_credentials, 401, "invalid_client", result.error}, clock_());
      next_secret_check_ = clock_() + kSecretRecheck;
      rejected_since_ = clock_();
      report_block(
          "Keap rejected the app's client credentials (client_id, client_secret_file): the "
          "account is blocked until client_secret_file holds the app's current secret",
          result.error);
      return;
    case Kind::rejected:
      schedule_.on_refresh_failed({TokenErrorKind::rejected, 400, "", result.error}, clock_());
      if (state() != AccountState::ok) {
        report_block(
            "Keap keeps refusing the token refresh: the account is blocked; check the "
            "error, then run keapsync auth --account " +
                account_,
            result.error);
      } else {
        logger_.warn("Keap refused the token refresh; trying again later",
                     {{"error", result.error}});
      }
      return;
    case Kind::transient_failure:
    case Kind::timed_out:
      schedule_.on_refresh_failed(
          {TokenErrorKind::transient, 0, "",
           result.may_have_rotated ? "answer lost after the request was sent: " + result.error
                                   : result.error},
          clock_());
      logger_.warn(result.may_have_rotated
                       ? "token refresh failed after the request was sent (answer lost): Keap "
                         "may have rotated; the next attempt will tell"
                       : "token refresh failed; backing off",
                   {{"error", result.error}});
      return;
  }
}

asio::awaitable<void> OAuthCredentials::refresh() {
  if (refreshing_) {  // another coroutine refreshes: wait until it has ended
    co_await refresh_ended();
    co_return;
  }
  if (stopped_) co_return;  // shutting down: no new token call
  refreshing_ = true;
  // Armed once per refresh (expires_at would cancel the waits of earlier waiters).
  refreshed_.expires_at(asio::steady_timer::time_point::max());
  schedule_.on_refresh_started(clock_());
  const char* outcome = "failed";
  std::exception_ptr failure;
  try {
    // The store holds a spent refresh token until an unsaved pair is
    // written: never refresh from it.
    if (co_await save_unsaved()) {
      const auto result = co_await locked_refresh(current_ ? current_->version : 0);
      settle(result);
      outcome = observed(result.kind);
    } else {
      schedule_.on_refresh_failed(
          {TokenErrorKind::transient, 0, "", "the rotated pair is not stored yet"}, clock_());
    }
  } catch (...) {
    failure = std::current_exception();
    schedule_.on_refresh_failed({TokenErrorKind::transient, 0, "", "refresh failed"}, clock_());
  }
  // Whatever happened, waiters wake and later calls may refresh again.
  refreshing_ = false;
  refreshed_.cancel();
  if (observer_) observer_(outcome);
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<std::optional<AuthHeader>> OAuthCredentials::header() {
  if (!loaded_) co_await load();
  recheck_client_secret();
  const bool usable =
      current_ && !current_->access_token.empty() && schedule_.access_token_usable(clock_());
  if (schedule_.next(clock_()).kind == RefreshStep::Kind::refresh || refreshing_) {
    if (!usable) {
      co_await refresh();  // nothing to send meanwhile: wait for it
    } else if (!refreshing_ && !stopped_) {
      // Ahead of expiry: calls go on with the valid token while it runs.
      asio::co_spawn(executor_, refresh(), asio::detached);
    }
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
      if (stopped_ && !refreshing_) co_return false;
      co_await refresh();
      co_return state() == AccountState::ok;
  }
  co_return false;
}

asio::awaitable<void> OAuthCredentials::run() {
  while (!stopped_) {
    try {
      if (unsaved_ && clock_() >= next_save_ && !refreshing_) co_await save_unsaved();
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
    if (unsaved_) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                next_save_ - clock_()));
    }
    wait = std::clamp(wait, std::chrono::steady_clock::duration(std::chrono::milliseconds(100)),
                      std::chrono::steady_clock::duration(kBlockedRecheck));
    co_await sleep(wait);
  }
  // Stopping: a refresh in flight ends by its deadline; a pair it (or an
  // earlier one) could not store is written now, or it would be lost.
  co_await refresh_ended();
  for (int attempt = 0; unsaved_ && attempt < kSavesAtStop; ++attempt) {
    if (co_await save_unsaved()) break;
    co_await sleep(std::chrono::seconds(1));
  }
  if (unsaved_) {
    logger_.error(
        "stopping with rotated OAuth tokens the database did not take: they are lost; run "
        "keapsync auth --account " +
        account_ + " after the restart");
  }
}

asio::awaitable<void> OAuthCredentials::refresh_ended() {
  while (refreshing_) {
    boost::system::error_code ec;
    co_await refreshed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> OAuthCredentials::sleep(std::chrono::steady_clock::duration d) {
  ticker_.expires_after(d);
  boost::system::error_code ec;  // cancelled by stop(): wake at once
  co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void OAuthCredentials::stop() {
  stopped_ = true;
  ticker_.cancel();
}

}  // namespace keapsync::auth
