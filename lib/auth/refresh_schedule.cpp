// The token refresh state machine: transitions driven by events and the injected time only.
#include "auth/refresh_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace keapsync::auth {
namespace {

Duration scaled(Duration d, double factor) {
  const double v = static_cast<double>(d.count()) * factor;
  if (!(v > 0)) return Duration::zero();
  if (v >= static_cast<double>(Duration::max().count())) return Duration::max();
  return Duration(static_cast<Duration::rep>(v));
}

}  // namespace

const char* to_string(RefreshState s) {
  switch (s) {
    case RefreshState::fresh:
      return "fresh";
    case RefreshState::due:
      return "due";
    case RefreshState::refreshing:
      return "refreshing";
    case RefreshState::backing_off:
      return "backing_off";
    case RefreshState::reauthorization_required:
      return "reauthorization_required";
  }
  return "unknown";
}

const char* to_string(BlockReason r) {
  switch (r) {
    case BlockReason::none:
      return "none";
    case BlockReason::no_tokens:
      return "no_tokens";
    case BlockReason::dead_refresh_token:
      return "dead_refresh_token";
    case BlockReason::bad_client_credentials:
      return "bad_client_credentials";
    case BlockReason::refresh_rejected:
      return "refresh_rejected";
  }
  return "unknown";
}

const char* to_string(UnauthorizedDecision d) {
  switch (d) {
    case UnauthorizedDecision::retry_now:
      return "retry_now";
    case UnauthorizedDecision::refresh_then_retry:
      return "refresh_then_retry";
    case UnauthorizedDecision::give_up:
      return "give_up";
  }
  return "unknown";
}

RefreshSchedule::RefreshSchedule(RefreshPolicy policy, Random random)
    : policy_(policy), random_(std::move(random)) {}

TimePoint RefreshSchedule::due_at(const TokenStamp& t) const {
  const Duration lifetime = std::chrono::duration_cast<Duration>(t.expires_in);
  const double fraction = std::clamp(policy_.refresh_fraction, 0.0, 1.0);
  Duration wait = std::min(scaled(lifetime, fraction), policy_.max_interval);
  wait = std::max(wait, policy_.min_interval);
  return t.issued_at + wait;
}

void RefreshSchedule::on_tokens(const TokenStamp& tokens, TimePoint) {
  // The version is the truth: the same row re-read (at start, under the lock, after a NOTIFY)
  // changes nothing, so it neither resets a backoff nor lifts a block.
  if (tokens_ && tokens_->version == tokens.version) return;
  tokens_ = tokens;
  block_reason_ = BlockReason::none;
  failures_ = 0;
  rejections_ = 0;
  last_error_.clear();
  state_ = RefreshState::fresh;
  next_at_ = due_at(tokens);
}

void RefreshSchedule::on_refresh_started(TimePoint) {
  if (state_ == RefreshState::due) state_ = RefreshState::refreshing;
}

void RefreshSchedule::block(BlockReason reason) {
  state_ = RefreshState::reauthorization_required;
  block_reason_ = reason;
  next_at_ = TimePoint::max();
}

Duration RefreshSchedule::backoff_delay() {
  // ceiling = min(max, initial * 2^(failures-1)), doubled step by step so it cannot overflow
  Duration ceiling = policy_.backoff_initial;
  for (int i = 1; i < failures_ && ceiling < policy_.backoff_max; ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, policy_.backoff_max);
  return std::max(policy_.backoff_floor, scaled(ceiling, unit(random_)));
}

void RefreshSchedule::on_refresh_failed(const TokenError& error, TimePoint now) {
  if (state_ == RefreshState::reauthorization_required) return;
  last_error_ = error.message;
  ++failures_;
  switch (error.kind) {
    case TokenErrorKind::dead_refresh_token:
      block(BlockReason::dead_refresh_token);
      return;
    case TokenErrorKind::bad_client_credentials:
      block(BlockReason::bad_client_credentials);
      return;
    case TokenErrorKind::rejected:
      if (++rejections_ >= policy_.max_rejected) {
        block(BlockReason::refresh_rejected);
        return;
      }
      state_ = RefreshState::backing_off;
      next_at_ = now + policy_.rejected_retry;
      return;
    case TokenErrorKind::transient:
      rejections_ = 0;
      state_ = RefreshState::backing_off;
      next_at_ = now + backoff_delay();
      return;
  }
}

void RefreshSchedule::on_client_credentials_changed(TimePoint now) {
  if (state_ != RefreshState::reauthorization_required ||
      block_reason_ != BlockReason::bad_client_credentials || !tokens_)
    return;
  block_reason_ = BlockReason::none;
  state_ = RefreshState::due;
  next_at_ = now;
}

UnauthorizedDecision RefreshSchedule::on_unauthorized(std::int64_t version_used,
                                                      bool already_retried, TimePoint now) {
  if (already_retried || !tokens_ || state_ == RefreshState::reauthorization_required)
    return UnauthorizedDecision::give_up;
  if (tokens_->version != version_used) return UnauthorizedDecision::retry_now;
  if (state_ == RefreshState::fresh) {
    // A brand-new token that is refused will not be cured by yet another
    // refresh. (An issue time in the future is a skewed clock, not a new token.)
    const auto age = now - tokens_->issued_at;
    if (age >= Duration::zero() && age < policy_.min_forced_age)
      return UnauthorizedDecision::give_up;
    state_ = RefreshState::due;
    next_at_ = now;
  }
  // Backing off after a failed refresh: a 401 does not cut the wait short
  // (a storm of them would turn into a storm of token calls).
  if (state_ == RefreshState::backing_off && now < next_at_) return UnauthorizedDecision::give_up;
  // due or refreshing: a refresh is already on its way; join it.
  return UnauthorizedDecision::refresh_then_retry;
}

RefreshStep RefreshSchedule::next(TimePoint now) {
  if ((state_ == RefreshState::fresh || state_ == RefreshState::backing_off) && now >= next_at_) {
    state_ = RefreshState::due;
  }
  switch (state_) {
    case RefreshState::due:
      return {RefreshStep::Kind::refresh, now};
    case RefreshState::reauthorization_required:
      return {RefreshStep::Kind::blocked, TimePoint::max()};
    case RefreshState::refreshing:
      // The I/O layer reports the outcome; nothing is due on the timer meanwhile.
      return {RefreshStep::Kind::wait, TimePoint::max()};
    case RefreshState::fresh:
    case RefreshState::backing_off:
      break;
  }
  return {RefreshStep::Kind::wait, next_at_};
}

bool RefreshSchedule::access_token_usable(TimePoint now) const {
  return tokens_ && now < tokens_->expires_at();
}

}  // namespace keapsync::auth
