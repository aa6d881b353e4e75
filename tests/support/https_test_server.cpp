// HttpsTestServer: Beast server coroutines on a private io_context and thread.
#include "support/https_test_server.hpp"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <thread>

namespace keapsync::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

auto use_ec(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

asio::awaitable<void> wait_forever() {
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           asio::steady_timer::time_point::max());
  error_code ec;
  co_await timer.async_wait(use_ec(ec));
}

std::string head(const TestResponse& r, std::size_t content_length) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " +
                    std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(r.status))) +
                    "\r\n";
  for (const auto& [name, value] : r.headers.fields())
    out += name + ": " + value + "\r\n";
  if (!r.headers.contains("content-length")) {
    out += "Content-Length: " + std::to_string(content_length) + "\r\n";
  }
  return out + "\r\n";
}

}  // namespace

struct HttpsTestServer::Impl {
  explicit Impl(const tls::CertificateAuthority& ca, Options opts)
      : options(std::move(opts)), tls(ssl::context::tls_server) {
    const auto pair = ca.issue_server(options.names);
    tls.use_certificate_chain(asio::buffer(pair.certificate_pem));
    tls.use_private_key(asio::buffer(pair.private_key_pem), ssl::context::pem);
    configure_resumption();
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(local.protocol());
    acceptor.bind(local);
    if (options.stall == Stall::accept) {
      // Backlog 0 holds one connection; with it filled, Linux drops new SYNs.
      acceptor.listen(0);
      filler.connect(acceptor.local_endpoint());
    } else {
      acceptor.listen();
      asio::co_spawn(ioc, accept_loop(), asio::detached);
    }
    port = acceptor.local_endpoint().port();
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    thread.join();
  }

  // OpenSSL's server defaults allow resumption: a session cache and tickets
  // (TLS 1.3 and 1.2). The ticket callback only counts, then decides as
  // OpenSSL does, except that `refused` never accepts a ticket.
  void configure_resumption() {
    SSL_CTX* ctx = tls.native_handle();
    if (options.resumption == Resumption::session_ids) {
      SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    if (options.resumption == Resumption::refused) {
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    SSL_CTX_set_session_ticket_cb(
        ctx, nullptr,
        [](SSL*, SSL_SESSION*, const unsigned char*, size_t, SSL_TICKET_STATUS status,
           void* arg) -> SSL_TICKET_RETURN {
          auto* self = static_cast<Impl*>(arg);
          if (status == SSL_TICKET_EMPTY || status == SSL_TICKET_NONE) {
            return SSL_TICKET_RETURN_IGNORE_RENEW;
          }
          ++self->tickets_offered;
          if (self->options.resumption == Resumption::refused)
            return SSL_TICKET_RETURN_IGNORE_RENEW;
          if (status == SSL_TICKET_SUCCESS) return SSL_TICKET_RETURN_USE;
          if (status == SSL_TICKET_SUCCESS_RENEW) return SSL_TICKET_RETURN_USE_RENEW;
          return SSL_TICKET_RETURN_IGNORE_RENEW;  // another server's, or corrupt
        },
        this);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(use_ec(ec));
      if (ec) co_return;
      const std::size_t index = ++connection_count;
      asio::co_spawn(ioc, session(std::move(socket), index), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket, std::size_t index) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    // However the connection ends (without a close_notify here), its session
    // stays in the cache for a resumption by id, as TLS 1.1 on allows; OpenSSL
    // would drop it from a connection freed unshut.
    struct KeepSession {
      SSL* ssl;
      ~KeepSession() { SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN); }
    } keep_session{stream.native_handle()};
    auto& tcp_stream = beast::get_lowest_layer(stream);
    if (options.stall == Stall::handshake) co_await wait_forever();
    error_code ec;
    tcp_stream.expires_after(std::chrono::seconds(10));
    co_await stream.async_handshake(ssl::stream_base::server, use_ec(ec));
    tcp_stream.expires_never();
    if (ec) co_return;
    if (SSL_session_reused(stream.native_handle()) == 1) ++resumed_count;
    if (options.stall == Stall::request) co_await wait_forever();
    const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      co_await bhttp::async_read(stream, buffer, parser, use_ec(ec));
      if (ec) co_return;
      auto message = parser.release();
      TestRequest request;
      request.method = std::string(message.method_string());
      request.target = std::string(message.target());
      for (const auto& field : message) {
        request.headers.add(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = std::move(message.body());
      request.connection = index;
      request.sni = sni != nullptr ? sni : "";
      Handler h;
      {
        std::lock_guard lock(mutex);
        log.push_back(request);
        h = handler;
      }
      ++request_count;
      const TestResponse response = h ? h(request) : TestResponse{200, {}, "ok"};

      using Fault = TestResponse::Fault;
      if (response.fault == Fault::close_without_response) co_return;  // closes the socket
      if (response.fault == Fault::stall) co_await wait_forever();
      if (response.fault == Fault::stall_mid_body) {
        const std::string body = response.body.empty() ? std::string(100, 'x') : response.body;
        const std::string partial = head(response, body.size()) + body.substr(0, body.size() / 2);
        co_await asio::async_write(stream, asio::buffer(partial), use_ec(ec));
        co_await wait_forever();
      }
      const std::string full = head(response, response.body.size()) + response.body;
      co_await asio::async_write(stream, asio::buffer(full), use_ec(ec));
      if (ec || response.close_after || !message.keep_alive()) co_return;
    }
  }

  Options options;
  ssl::context tls;
  asio::io_context ioc;  // destroyed before the members above: frames use them
  tcp::acceptor acceptor{ioc};
  tcp::socket filler{ioc};
  std::thread thread;
  std::uint16_t port = 0;
  std::atomic<std::size_t> connection_count{0};
  std::atomic<std::size_t> request_count{0};
  std::atomic<std::size_t> resumed_count{0};
  std::atomic<std::size_t> tickets_offered{0};
  mutable std::mutex mutex;
  Handler handler;
  std::vector<TestRequest> log;
};

HttpsTestServer::HttpsTestServer(const tls::CertificateAuthority& ca)
    : HttpsTestServer(ca, Options{}) {}

HttpsTestServer::HttpsTestServer(const tls::CertificateAuthority& ca, Options options)
    : impl_(std::make_unique<Impl>(ca, std::move(options))) {}

HttpsTestServer::~HttpsTestServer() = default;

void HttpsTestServer::set_handler(Handler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

std::uint16_t HttpsTestServer::port() const {
  return impl_->port;
}

std::string HttpsTestServer::origin(const std::string& host) const {
  return "https://" + host + ":" + std::to_string(port());
}

std::size_t HttpsTestServer::connections() const {
  return impl_->connection_count;
}
std::size_t HttpsTestServer::requests() const {
  return impl_->request_count;
}

std::size_t HttpsTestServer::resumed_handshakes() const {
  return impl_->resumed_count;
}
std::size_t HttpsTestServer::tickets_offered() const {
  return impl_->tickets_offered;
}

std::vector<TestRequest> HttpsTestServer::received() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

}  // namespace keapsync::testing
