// Keap's OAuth redirect as `keapsync auth` receives it: caught by a loopback
// listener from the browser, or pasted by the operator (--code-file).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keapsync::cli {

struct RedirectListenerOptions {
  // How long one connection has to send its request, and then to take the answer.
  std::chrono::steady_clock::duration deadline = std::chrono::seconds(10);
  // The largest request (request line and headers; a redirect has no body).
  std::size_t request_limit = 16 * 1024;
  // Connections served at once; one more is closed unanswered.
  std::size_t max_connections = 16;
};

// Serves the connections of `acceptor` (a loopback listener), each one request read by Beast's
// parser under `options.deadline`, until one is Keap's redirect: a GET whose query carries
// `code` and the `state` sent → answered 200, returns the code. `error=` → CommandFailed
// ("Keap refused the authorization: ..."); a code with another state → CommandFailed (a forged
// request?). Anything else (a connection that sends nothing or too little in time, one that is
// not HTTP, a bad %-escape, the browser asking for /favicon.ico) is answered 400 when it can
// be, closed, and the wait goes on, without printing anything. The caller bounds the whole wait.
boost::asio::awaitable<std::string> catch_redirect(boost::asio::ip::tcp::acceptor& acceptor,
                                                   std::string state,
                                                   RedirectListenerOptions options = {});

// The code from a pasted value: the code itself, or the whole URL Keap redirected to (its
// `code` percent-decoded). A bad %-escape in that code → CommandFailed naming its position.
std::string code_from(std::string text);

// The raw value (escapes left as they are) of the first `name=` of a query string: a view into
// `query`, nullopt when there is none.
std::optional<std::string_view> query_value(std::string_view query, std::string_view name);

}  // namespace keapsync::cli
