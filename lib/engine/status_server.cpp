// StatusServer: Beast HTTP/1.1 over plain TCP, one coroutine per connection.
#include "engine/status_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <charconv>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/exposition.hpp"
#include "engine/status_page.hpp"

namespace keapsync::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// "127.0.0.1:9464", "[::1]:0", "localhost:9464" -> an endpoint; refuses non-loopback hosts
// unless allowed.
tcp::endpoint parse_listen(const std::string& listen, bool allow_non_loopback) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("listen: \"" + listen + "\" is not host:port");
  }
  std::string host = listen.substr(0, colon);
  std::string_view port_text = std::string_view(listen).substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535) {
    throw std::invalid_argument("listen: \"" + listen + "\" has no valid port");
  }
  boost::system::error_code address_error;
  auto address = asio::ip::make_address(host, address_error);
  if (address_error) {
    throw std::invalid_argument("listen: \"" + host + "\" is not an IP address or localhost");
  }
  if (!allow_non_loopback && !address.is_loopback()) {
    throw std::invalid_argument("listen: \"" + host +
                                "\" is not a loopback address; the status endpoints have no "
                                "authentication: set listen_allow_remote: true to serve them "
                                "beyond this host (e.g. in a container)");
  }
  return {address, static_cast<unsigned short>(port)};
}

bool is_health_route(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

}  // namespace

struct StatusServer::Impl {
  Impl(asio::any_io_executor ex, StatusServerOptions opts, const HealthState& h,
       const MetricRegistry& m, const StatusBoard* b)
      : executor(ex),
        options(std::move(opts)),
        health(h),
        metrics(m),
        board(b),
        acceptor(ex),
        retry_timer(ex) {}

  asio::any_io_executor executor;
  StatusServerOptions options;
  const HealthState& health;
  const MetricRegistry& metrics;
  const StatusBoard* board;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // pause after a failed accept (e.g. EMFILE)
  bool stopped = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::weak_ptr<beast::tcp_stream>> sessions;

  http::response<http::string_body> respond(const http::request<http::string_body>& request) const;
  static asio::awaitable<void> session(std::shared_ptr<Impl> self,
                                       std::shared_ptr<beast::tcp_stream> stream);
  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
};

http::response<http::string_body> StatusServer::Impl::respond(
    const http::request<http::string_body>& request) const {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "keapsync");
  response.set(http::field::cache_control, "no-store");
  std::string_view path(request.target().data(), request.target().size());
  path = path.substr(0, path.find('?'));
  const status_page::Asset* asset = board != nullptr ? status_page::find(path) : nullptr;
  const bool status_json = board != nullptr && path == "/status.json";
  if (!is_health_route(path) && asset == nullptr && !status_json) {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "not found\n";
  } else if (request.method() != http::verb::get) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET");
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "method not allowed\n";
  } else if (asset != nullptr) {
    response.result(http::status::ok);
    response.set(http::field::content_type, asset->content_type);
    response.set("Content-Security-Policy", status_page::kContentSecurityPolicy);
    response.set("X-Content-Type-Options", "nosniff");
    response.body() = asset->body;
  } else if (status_json) {
    std::string body = board->json();
    response.result(body.empty() ? http::status::service_unavailable : http::status::ok);
    response.set(http::field::content_type, "application/json");
    response.body() = body.empty() ? "{\"error\":\"no status yet\"}\n" : std::move(body);
  } else if (path == "/metrics") {
    response.result(http::status::ok);
    response.set(http::field::content_type, exposition::kContentType);
    response.body() = metrics.render();
  } else {
    HealthReport report = path == "/healthz" ? health.liveness() : health.readiness();
    response.result(report.ok ? http::status::ok : http::status::service_unavailable);
    response.set(http::field::content_type, "application/json");
    response.body() = std::move(report.body);
  }
  response.prepare_payload();
  return response;
}

namespace {

// The status for a request that could not be read, or 0 when the peer is gone or too slow
// (nothing useful to answer).
unsigned status_for_read_error(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) return 400;
  return 0;
}

}  // namespace

asio::awaitable<void> StatusServer::Impl::session(std::shared_ptr<Impl> self,
                                                  std::shared_ptr<beast::tcp_stream> stream) {
  const auto& options = self->options;
  beast::flat_buffer buffer(options.header_limit + options.body_limit);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.body_limit(options.body_limit);
    stream->expires_after(options.read_timeout);
    auto [read_error, read_bytes] = co_await http::async_read(*stream, buffer, parser, use_tuple);
    if (read_error) {
      if (unsigned status = status_for_read_error(read_error); status != 0) {
        http::response<http::string_body> response{static_cast<http::status>(status), 11};
        response.set(http::field::server, "keapsync");
        response.set(http::field::content_type, "text/plain; charset=utf-8");
        response.keep_alive(false);
        response.body() = std::string(http::obsolete_reason(response.result())) + "\n";
        response.prepare_payload();
        stream->expires_after(options.write_timeout);
        co_await http::async_write(*stream, response, use_tuple);
      }
      break;
    }
    auto response = self->respond(parser.get());
    bool keep_alive = response.keep_alive();
    stream->expires_after(options.write_timeout);
    auto [write_error, written] = co_await http::async_write(*stream, response, use_tuple);
    if (write_error || !keep_alive || self->stopped) break;
  }
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream->close();
}

asio::awaitable<void> StatusServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
  while (!self->stopped) {
    auto [error, socket] = co_await self->acceptor.async_accept(use_tuple);
    if (self->stopped || error == asio::error::operation_aborted) co_return;
    if (error) {
      // Out of descriptors or similar: pause instead of spinning.
      self->retry_timer.expires_after(std::chrono::milliseconds(100));
      co_await self->retry_timer.async_wait(use_tuple);
      continue;
    }
    if (self->sessions.size() >= self->options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    std::uint64_t id = self->next_id++;
    self->sessions[id] = stream;
    asio::co_spawn(self->executor, session(self, stream),
                   [self, id](std::exception_ptr) { self->sessions.erase(id); });
  }
}

StatusServer::StatusServer(asio::any_io_executor executor, StatusServerOptions options,
                           const HealthState& health, const MetricRegistry& metrics,
                           const StatusBoard* board)
    : impl_(std::make_shared<Impl>(executor, std::move(options), health, metrics, board)) {
  tcp::endpoint endpoint = parse_listen(impl_->options.listen, impl_->options.allow_non_loopback);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor.local_endpoint().port();
}

StatusServer::~StatusServer() {
  stop();
}

void StatusServer::start() {
  asio::co_spawn(impl_->executor, Impl::accept_loop(impl_), asio::detached);
}

void StatusServer::stop() {
  asio::dispatch(impl_->executor, [self = impl_] {
    if (self->stopped) return;
    self->stopped = true;
    beast::error_code ignored;
    self->acceptor.close(ignored);
    self->retry_timer.cancel();
    for (auto& [id, weak] : self->sessions) {
      if (auto stream = weak.lock()) {
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream->close();
      }
    }
  });
}

}  // namespace keapsync::engine
