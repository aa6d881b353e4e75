// Sends KeapRequests for one account: rate limiting, authentication, one
// retry after a refreshed token, classification of every failure.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "auth/credentials.hpp"
#include "http/client.hpp"
#include "http/url.hpp"
#include "keap/api_outcome.hpp"
#include "keap/call_window.hpp"
#include "keap/keap_request.hpp"
#include "keap/rate_limiter.hpp"
#include "keap/request_record.hpp"
#include "log/logger.hpp"

namespace keapsync::keap {

class KeapApi {
 public:
  // `max_wait`: the longest a call waits for the rate limiter; beyond it the
  // call returns a throttled error with retry_at, and the engine reschedules.
  KeapApi(http::Client& client, http::Url api_url, auth::Credentials& credentials,
          RateLimiter& limiter, Clock clock, log::Logger logger,
          Duration max_wait = std::chrono::seconds(5));

  // `window` (when given) is asked right before the request is sent, after
  // any wait for a permit or a token: its answer is the request's deadline.
  boost::asio::awaitable<ApiOutcome> call(const KeapRequest& request,
                                          const CallWindow& window = {});

  // Builds the request when it may leave: after the permit and the token,
  // right before `window` is asked (and again for the retry after a refresh).
  // nullptr: nothing to send any more (the call answers not_sent()). The
  // request must live until the call ends or `build` runs again.
  using RequestBuilder = std::function<const KeapRequest*()>;
  boost::asio::awaitable<ApiOutcome> call(const RequestBuilder& build,
                                          const CallWindow& window = {});

  auth::AccountState state() const { return credentials_.state(); }
  // Lets blocked credentials look for a new key or authorization without a call.
  boost::asio::awaitable<void> recheck_credentials();
  RateLimiter& limiter() { return limiter_; }

  // Called once for every HTTP exchange with Keap (the metrics hook).
  void observe_requests(RequestObserver observer) { observer_ = std::move(observer); }

 private:
  // False with `out` set: throttled beyond max_wait, or `window` closed. True:
  // `granted` is the time the limiter counted the request at.
  boost::asio::awaitable<bool> wait_for_permit(ApiOutcome& out, const CallWindow& window,
                                               TimePoint& granted);

  http::Client& client_;
  http::Url api_url_;
  auth::Credentials& credentials_;
  RateLimiter& limiter_;
  Clock clock_;
  log::Logger logger_;
  Duration max_wait_;
  RequestObserver observer_;
};

}  // namespace keapsync::keap
