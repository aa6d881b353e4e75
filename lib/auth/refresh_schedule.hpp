// The OAuth token refresh schedule of one account: a small state machine with no I/O.
//
// The I/O layer (OAuthCredentials: TokenRefresher's row lock + token endpoint) drives it:
//
//   for (;;) {
//     auto step = schedule.next(clock());
//     if (step.kind == RefreshStep::Kind::wait)    -> timer until step.until (or an event)
//     if (step.kind == RefreshStep::Kind::blocked) -> wait for new credentials in the store
//     if (step.kind == RefreshStep::Kind::refresh) -> schedule.on_refresh_started(now);
//         lock; re-read the store; if its version differs -> on_tokens(stored) (someone else did
//         it) else POST /token -> commit the new pair -> on_tokens(new); or
//         on_refresh_failed(error)
//   }
//
//   fresh --(due_at passes)--> due --(on_refresh_started)--> refreshing
//   refreshing --(on_tokens)--> fresh
//   refreshing --(transient / rejected)--> backing_off --(retry_at passes)--> due
//   refreshing --(dead token / bad client credentials / max_rejected rejections)-->
//       reauthorization_required
//   reauthorization_required --(on_tokens with another version)--> fresh   (terminal otherwise)
//   fresh --(on_unauthorized: 401 with the current, not brand-new token)--> due
//
// Not thread-safe: one schedule per OAuth account, used from one strand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "auth/refresh_policy.hpp"
#include "auth/token_error.hpp"
#include "auth/token_stamp.hpp"
#include "base/clock.hpp"
#include "base/random.hpp"

namespace keapsync::auth {

enum class RefreshState { fresh, due, refreshing, backing_off, reauthorization_required };
const char* to_string(RefreshState s);

// Why the schedule is in reauthorization_required.
enum class BlockReason {
  none,
  no_tokens,
  dead_refresh_token,
  bad_client_credentials,
  refresh_rejected,  // policy.max_rejected 4xx answers in a row that name no known cause
};
const char* to_string(BlockReason r);

// What the I/O layer does next.
struct RefreshStep {
  enum class Kind { wait, refresh, blocked };
  Kind kind = Kind::wait;
  TimePoint until = TimePoint::max();  // wait: until then (TimePoint::max() when blocked)
};

// What an API call that got a 401 does next (one refresh, then one retry, then give up).
enum class UnauthorizedDecision {
  retry_now,           // the store already holds newer tokens than the call used
  refresh_then_retry,  // wait until the schedule has new tokens (a refresh is due now), retry once
  give_up,             // already retried, tokens brand new yet refused, or re-authorization needed
};
const char* to_string(UnauthorizedDecision d);

class RefreshSchedule {
 public:
  // Starts in reauthorization_required (no_tokens) until on_tokens() tells it about a pair.
  explicit RefreshSchedule(RefreshPolicy policy = {}, Random random = make_random());

  // Tokens are known: loaded at start, committed by our refresh, or found newer in the store
  // (another process refreshed). A version the schedule already holds is ignored (whatever the
  // state), so only another version leaves reauthorization_required or resets a backoff.
  void on_tokens(const TokenStamp& tokens, TimePoint now);

  // The I/O layer begins a refresh (due -> refreshing).
  void on_refresh_started(TimePoint now);

  // The refresh failed: transient/rejected -> backing_off; dead token or bad client credentials
  // -> reauthorization_required (no further attempt until new credentials or a config change).
  void on_refresh_failed(const TokenError& error, TimePoint now);

  // The client id/secret were reloaded: leaves a bad_client_credentials block (tries once more).
  void on_client_credentials_changed(TimePoint now);

  // An API call sent with tokens of `version_used` got a 401; `already_retried` says whether this
  // call is already the one retry. May make a refresh due at once.
  UnauthorizedDecision on_unauthorized(std::int64_t version_used, bool already_retried,
                                       TimePoint now);

  // Applies time-driven transitions (fresh -> due, backing_off -> due) and says what to do.
  RefreshStep next(TimePoint now);

  RefreshState state() const { return state_; }
  BlockReason block_reason() const { return block_reason_; }
  const std::optional<TokenStamp>& tokens() const { return tokens_; }
  // When the next refresh is planned (fresh) or retried (backing_off).
  TimePoint next_attempt_at() const { return next_at_; }
  // The access token is present and not expired (it may still work while re-authorization is
  // required: a dead refresh token does not revoke the access token).
  bool access_token_usable(TimePoint now) const;
  int consecutive_failures() const { return failures_; }
  const std::string& last_error() const { return last_error_; }

 private:
  TimePoint due_at(const TokenStamp& t) const;
  Duration backoff_delay();
  void block(BlockReason reason);

  RefreshPolicy policy_;
  Random random_;
  RefreshState state_ = RefreshState::reauthorization_required;
  BlockReason block_reason_ = BlockReason::no_tokens;
  std::optional<TokenStamp> tokens_;
  TimePoint next_at_ = TimePoint::max();
  int failures_ = 0;
  int rejections_ = 0;  // rejected answers in a row
  std::string last_error_;
};

}  // namespace keapsync::auth
