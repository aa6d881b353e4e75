// Beast/SSL server for the sandbox: one coroutine per connection on its own
// strand, each request handed to the Router, faults (delay, drop) acted out.
#include "sandbox/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ascii/ascii.hpp"
#include "sandbox/router.hpp"

namespace keapsync::sandbox {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
}

struct Server::Impl {
  Impl(Router& r, Options o)
      : router(r), options(std::move(o)), ioc(static_cast<int>(options.threads)), acceptor(ioc) {}

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kUse);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ssl_ctx);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(options.handshake_timeout);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kUse);
    if (hec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(router.max_body_bytes());
      parser.header_limit(16 * 1024);
      lowest.expires_after(options.idle_timeout);
      auto [rec, n] = co_await http::async_read(stream, buffer, parser, kUse);
      if (rec == http::error::body_limit) {
        http::response<http::string_body> too_large{http::status::payload_too_large, 11};
        too_large.set(http::field::content_type, "application/json");
        too_large.body() =
            R"({"code":413,"message":"Request body too large","status":"Payload Too Large","details":[]})";
        too_large.keep_alive(false);
        too_large.prepare_payload();
        lowest.expires_after(options.io_timeout);
        co_await http::async_write(stream, too_large, kUse);
        break;
      }
      if (rec) break;
      InFlight in_flight(*this);
      auto& msg = parser.get();
      Request req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      for (const auto& field : msg) {
        req.headers[ascii::to_lower(field.name_string())] = std::string(field.value());
      }
      req.body = std::move(msg.body());
      Response res;
      try {
        auto fault = router.admit(req);
        if (fault.delay_first && fault.delay.count() > 0) {
          asio::steady_timer timer(co_await asio::this_coro::executor);
          timer.expires_after(fault.delay);
          co_await timer.async_wait(kUse);
        }
        res = router.handle(req, std::chrono::system_clock::now(), fault);
      } catch (const std::exception&) {
        // A sandbox bug must not take the server down: answer 500 and go on.
        res = Response::json(
            500,
            R"({"code":500,"message":"Sandbox error","status":"Internal Server Error","details":[]})");
      }
      if (options.on_request) options.on_request();
      if (res.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(res.delay);
        co_await timer.async_wait(kUse);
      }
      if (res.drop) {
        beast::error_code ignored;
        lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest.socket().close(ignored);
        co_return;
      }
      http::response<http::string_body> out{static_cast<http::status>(res.status), msg.version()};
      out.set(http::field::server, "keapsync-sandbox");
      for (auto& [name, value] : res.headers)
        out.insert(name, value);
      out.body() = std::move(res.body);
      out.keep_alive(msg.keep_alive() && !draining.load());
      out.prepare_payload();
      lowest.expires_after(options.io_timeout);
      auto [wec, wn] = co_await http::async_write(stream, out, kUse);
      if (wec || !out.keep_alive()) break;
    }
    lowest.expires_after(std::chrono::seconds{5});
    co_await stream.async_shutdown(kUse);  // a truncated stream is fine here
  }

  // Counts a request from the moment it is read until its answer is written.
  struct InFlight {
    explicit InFlight(Impl& impl) : impl(impl) {
      std::lock_guard lock(impl.drain_mutex);
      ++impl.in_flight;
    }
    ~InFlight() {
      std::lock_guard lock(impl.drain_mutex);
      --impl.in_flight;
      impl.drained.notify_all();
    }
    Impl& impl;
  };

  Router& router;
  Options options;
  std::mutex drain_mutex;
  std::condition_variable drained;
  int in_flight = 0;
  std::atomic<bool> draining{false};
  asio::io_context ioc;
  ssl::context ssl_ctx{ssl::context::tls_server};
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
};

Server::Server(Router& router, Options options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {
  auto& o = impl_->options;
  if (o.threads == 0) o.threads = 1;
  try {
    auto& ctx = impl_->ssl_ctx;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain(asio::buffer(o.certificate_pem));
    ctx.use_private_key(asio::buffer(o.private_key_pem), ssl::context::pem);
    tcp::endpoint endpoint(asio::ip::make_address(o.address), o.port);
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("sandbox: cannot listen on " + o.address + ":" +
                             std::to_string(o.port) + ": " + e.what());
  }
}

Server::~Server() {
  stop();
}

unsigned short Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::start() {
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
  for (unsigned i = 0; i < impl_->options.threads; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void Server::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->draining = true;
  asio::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  {
    std::unique_lock lock(impl_->drain_mutex);
    impl_->drained.wait_for(lock, impl_->options.drain_timeout,
                            [this] { return impl_->in_flight == 0; });
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

}  // namespace keapsync::sandbox
