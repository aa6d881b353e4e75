// The loopback listener of `keapsync auth`, and the code of a pasted redirect.
#include "redirect_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "command.hpp"
#include "exit_codes.hpp"
#include "http/percent_encode.hpp"
#include "terminal_text.hpp"

namespace keapsync::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

// What the connections of one catch_redirect share: the first to carry the redirect (or a
// refusal) ends the wait, and the connections still being served are closed then.
struct Wait {
  Wait(asio::ip::tcp::acceptor& a, std::string s, RedirectListenerOptions o)
      : acceptor(a), state(std::move(s)), options(o) {}

  asio::ip::tcp::acceptor& acceptor;
  const std::string state;
  const RedirectListenerOptions options;
  std::vector<beast::tcp_stream*> open;  // connections being served
  std::optional<std::string> code;
  std::exception_ptr refusal;
  beast::tcp_stream* winner = nullptr;  // the connection that ended the wait, still answering

  bool done() const { return code || refusal; }

  // Ends the wait (unless another connection already has) and wakes the accept loop.
  void finish(beast::tcp_stream& by, std::optional<std::string> got, std::exception_ptr refused) {
    if (done()) return;
    code = std::move(got);
    refusal = std::move(refused);
    winner = &by;
    boost::system::error_code ignored;
    acceptor.cancel(ignored);
  }
};

// Keeps a connection in Wait::open while it is served.
class Listed {
 public:
  Listed(Wait& wait, beast::tcp_stream& stream) : wait_(wait), stream_(&stream) {
    wait_.open.push_back(stream_);
  }
  ~Listed() {
    std::erase(wait_.open, stream_);
    if (wait_.winner == stream_) wait_.winner = nullptr;
  }
  Listed(const Listed&) = delete;
  Listed& operator=(const Listed&) = delete;

 private:
  Wait& wait_;
  beast::tcp_stream* stream_;
};

constexpr std::string_view kAuthorized = "keapsync is authorized. You can close this window.\n";
constexpr std::string_view kRefused =
    "keapsync: Keap refused the authorization; the terminal tells why.\n";
constexpr std::string_view kUnexpected =
    "keapsync: this is not the expected authorization answer.\n";
constexpr std::string_view kBadEscape =
    "keapsync: this request has a bad %-escape; it is not the expected authorization answer.\n";
constexpr std::string_view kNotHttp = "keapsync: this is not an HTTP request it can read.\n";

// Answers with `status` and `body`, then closes the connection (Connection: close).
asio::awaitable<void> answer(beast::tcp_stream& stream, bhttp::status status, std::string_view body,
                             std::chrono::steady_clock::duration deadline) {
  bhttp::response<bhttp::string_body> response{status, 11};
  response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  response.set(bhttp::field::cache_control, "no-store");
  response.keep_alive(false);
  response.body() = body;
  response.prepare_payload();
  stream.expires_after(deadline);
  boost::system::error_code ec;
  co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

// The percent-decoded value of `name` in `query`; sets `bad` on a bad %-escape.
std::optional<std::string> param(std::string_view query, std::string_view name, bool& bad) {
  const auto raw = query_value(query, name);
  if (!raw) return std::nullopt;
  auto value = http::percent_decode(*raw);
  if (!value) bad = true;
  return value;
}

// Serves one connection: reads one request, answers it, and ends the wait if it is the redirect.
asio::awaitable<void> serve(std::shared_ptr<Wait> wait, asio::ip::tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const Listed listed(*wait, stream);
  const auto deadline = wait->options.deadline;
  beast::flat_buffer buffer(wait->options.request_limit);
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(wait->options.request_limit));
  stream.expires_after(deadline);
  boost::system::error_code ec;
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // Not HTTP, too large, or a body: told so. Silent past the deadline (the stream is closed
    // then), gone, or closed because the wait ended: nothing to tell.
    static const auto& http_errors = bhttp::make_error_code(bhttp::error::end_of_stream).category();
    if (ec.category() == http_errors && ec != bhttp::error::end_of_stream && !wait->done()) {
      co_await answer(stream, bhttp::status::bad_request, kNotHttp, deadline);
    }
    co_return;
  }
  const std::string_view target = parser.get().target();
  const auto q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  bool bad_escape = false;
  const auto code = param(query, "code", bad_escape);
  const auto state = param(query, "state", bad_escape);
  const auto error = param(query, "error", bad_escape);
  if (bad_escape) {
    co_await answer(stream, bhttp::status::bad_request, kBadEscape, deadline);
  } else if (parser.get().method() != bhttp::verb::get || (!error && !code)) {
    co_await answer(stream, bhttp::status::bad_request, kUnexpected, deadline);
  } else if (error) {
    wait->finish(stream, std::nullopt,
                 std::make_exception_ptr(CommandFailed(
                     kExitFailure, "Keap refused the authorization: " + printable(*error))));
    co_await answer(stream, bhttp::status::bad_request, kRefused, deadline);
  } else if (state != wait->state) {
    wait->finish(
        stream, std::nullopt,
        std::make_exception_ptr(CommandFailed(
            kExitFailure, "the redirect carried a wrong state: refusing it (a forged request?)")));
    co_await answer(stream, bhttp::status::bad_request, kUnexpected, deadline);
  } else {
    wait->finish(stream, *code, nullptr);
    co_await answer(stream, bhttp::status::ok, kAuthorized, deadline);
  }
}

}  // namespace

asio::awaitable<std::string> catch_redirect(asio::ip::tcp::acceptor& acceptor, std::string state,
                                            RedirectListenerOptions options) {
  const auto wait = std::make_shared<Wait>(acceptor, std::move(state), options);
  while (!wait->done()) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (wait->done()) break;
    if (ec) throw boost::system::system_error(ec, "the loopback listener");
    if (wait->open.size() >= options.max_connections) continue;  // closed by ~socket
    asio::co_spawn(acceptor.get_executor(), serve(wait, std::move(socket)), asio::detached);
  }
  // The others are cut; the connection that ended the wait finishes its answer.
  for (auto* stream : std::vector(wait->open)) {
    if (stream != wait->winner) stream->close();
  }
  if (wait->refusal) std::rethrow_exception(wait->refusal);
  co_return *wait->code;
}

std::string code_from(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  const std::string_view pasted = text;
  if (const auto q = pasted.find('?'); q != std::string_view::npos) {
    if (const auto raw = query_value(pasted.substr(q + 1), "code")) {
      if (const auto bad = http::bad_percent_escape(*raw)) {
        const auto position = static_cast<std::size_t>(raw->data() - pasted.data()) + *bad + 1;
        throw CommandFailed(kExitFailure,
                            "the pasted URL has a bad %-escape at position " +
                                std::to_string(position) +
                                " ('%' must be followed by two hex digits): paste the whole "
                                "URL Keap redirected to, or the code alone");
      }
      return *http::percent_decode(*raw);
    }
  }
  return text;
}

std::optional<std::string_view> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace keapsync::cli
