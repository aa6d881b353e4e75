// One Keap call: permit, header, send, classify; 401 → one retry after refresh.
#include "keap/keap_api.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace keapsync::keap {
namespace {

// Rows of a blocked account (dead refresh token, rejected key) look again this
// often: soon after `keapsync auth` fixed it, without a request storm before.
constexpr auto kBlockedRetry = std::chrono::seconds(15);

ResponseHeaders to_policy_headers(const http::Headers& headers) {
  ResponseHeaders out;
  for (const auto& [name, value] : headers.fields())
    out.add(name, value);
  return out;
}

ApiOutcome failure(ApiError error, TimePoint retry_at = {}) {
  ApiOutcome out;
  out.error = std::move(error);
  out.retry_at = retry_at;
  return out;
}

}  // namespace

KeapApi::KeapApi(http::Client& client, http::Url api_url, auth::Credentials& credentials,
                 RateLimiter& limiter, Clock clock, log::Logger logger, Duration max_wait)
    : client_(client),
      api_url_(std::move(api_url)),
      credentials_(credentials),
      limiter_(limiter),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      max_wait_(max_wait) {}

boost::asio::awaitable<void> KeapApi::recheck_credentials() {
  co_await credentials_.header();
}

boost::asio::awaitable<bool> KeapApi::wait_for_permit(ApiOutcome& out, const CallWindow& window,
                                                      TimePoint& granted) {
  for (;;) {
    if (window && !window()) {  // no permit is spent on a call that cannot be sent
      out = not_sent();
      co_return false;
    }
    const auto now = clock_();
    const Permit permit = limiter_.acquire(now);
    if (permit.granted) {
      granted = now;
      co_return true;
    }
    if (permit.retry_at - now > max_wait_) {
      out = failure({ErrorClass::throttled, 429, "rate limit of this account reached", ""},
                    permit.retry_at);
      co_return false;
    }
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(permit.retry_at - now);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
}

boost::asio::awaitable<ApiOutcome> KeapApi::call(const KeapRequest& request,
                                                 const CallWindow& window) {
  const RequestBuilder build = [&request] { return &request; };
  co_return co_await call(build, window);
}

boost::asio::awaitable<ApiOutcome> KeapApi::call(const RequestBuilder& build,
                                                 const CallWindow& window) {
  for (int attempt = 0;; ++attempt) {
    ApiOutcome out;
    TimePoint granted;
    if (!co_await wait_for_permit(out, window, granted)) co_return out;
    auto header = co_await credentials_.header();
    if (!header) {
      co_return failure({ErrorClass::auth, 401,
                         std::string("account blocked: ") + to_string(credentials_.state()), ""},
                        clock_() + kBlockedRetry);
    }
    const KeapRequest* built = build();
    if (!built) co_return not_sent();
    const KeapRequest& request = *built;
    http::Request http_request;
    http_request.method = request.method;
    http_request.target = api_url_.join(request.target);
    http_request.headers.set("Accept", "application/json");
    http_request.headers.set(header->name, header->value.reveal());
    if (request.body) {
      http_request.body = boost::json::serialize(*request.body);
      http_request.content_type = "application/json";
    }
    if (window) {
      http_request.deadline = window();
      if (!http_request.deadline) {
        co_return not_sent();
      }
    }
    const auto started = std::chrono::steady_clock::now();
    const auto sent_at = clock_();
    http::Result result = co_await client_.request(api_url_, std::move(http_request));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    if (!result && result.error().step == http::TransportError::Step::pool_wait) {
      // Our own queue, not Keap: nothing was sent, nothing is counted as a Keap request.
      logger_.debug("no free connection to Keap in time; not sent", {{"ms", ms}});
      ApiError error = transport_failure("not sent: no free connection to Keap in time");
      error.request_sent = false;
      co_return failure(std::move(error));
    }
    if (observer_) {
      observer_({request.method, route_template(request.target),
                 result ? std::to_string(result.response().status) : "transport_error",
                 std::chrono::duration<double>(elapsed).count()});
    }
    if (!result) {
      // Written, perhaps: Keap may count it from any time until now.
      if (result.error().request_sent) limiter_.restamp(granted, clock_());
      const auto what = result.error().describe();
      logger_.warn("Keap request failed",
                   {{"method", request.method}, {"error", what}, {"ms", ms}});
      ApiError error = transport_failure(what);
      error.request_sent = result.error().request_sent;
      co_return failure(std::move(error));
    }
    const http::Response& response = result.response();
    // When Keap had the request: the windows count it from then, not from the permit.
    const auto reached = sent_at + std::chrono::duration_cast<Duration>(
                                       std::max(response.written_at, started) - started);
    limiter_.restamp(granted, reached);
    const auto headers = to_policy_headers(response.headers);
    logger_.debug("Keap request",
                  {{"method", request.method}, {"status", response.status}, {"ms", ms}});
    if (response.status >= 200 && response.status < 300) {
      limiter_.observe(headers, clock_(), sent_at);
      ApiReply reply{response.status, nullptr};
      if (!response.body.empty()) {
        boost::system::error_code ec;
        reply.body = boost::json::parse(response.body, ec);
        if (ec) {
          co_return failure({ErrorClass::transient, response.status,
                             "Keap sent a 2xx answer that is not JSON", ""});
        }
      }
      out.reply = std::move(reply);
      co_return out;
    }
    ApiError error = classify_response(response.status, headers, response.body);
    if (error.error_class == ErrorClass::throttled) {
      const auto until = limiter_.on_throttled(headers, clock_(), sent_at);
      logger_.warn("Keap throttled the account", {{"status", response.status}});
      co_return failure(std::move(error), until);
    }
    limiter_.observe(headers, clock_());
    if (error.error_class == ErrorClass::auth) {
      if (attempt == 0 && co_await credentials_.on_unauthorized(*header)) continue;
      co_return failure(std::move(error), clock_() + kBlockedRetry);
    }
    co_return failure(std::move(error));
  }
}

}  // namespace keapsync::keap
