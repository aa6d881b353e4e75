// Client: Beast over Asio SSL with C++20 coroutines. The only Beast/SSL translation unit of
// lib/http: pool bookkeeping, connect (direct or CONNECT tunnel), TLS, one exchange per request.
#include "http/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "http/tls_session_cache.hpp"

namespace keapsync::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Kind = TransportError::Kind;
using Step = TransportError::Step;

inline auto use_ec(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// One TLS connection; owned by a request while in use, by the pool while idle.
struct Connection {
  Connection(const asio::any_io_executor& ex, ssl::context& ctx) : stream(ex, ctx) {}

  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream); }
  void close() { tcp().close(); }

  // A cheap check before reuse: an idle connection must have nothing to read.
  // End-of-file means the server closed it; pending bytes (a TLS close_notify
  // or junk) make it unusable too.
  bool looks_alive() {
    auto& socket = tcp().socket();
    if (!socket.is_open() || buffer.size() != 0) return false;
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

// A request queued for a connection of a full pool. Granted either a handed
// over idle connection or, with `connection` null, a slot to open one.
struct Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool granted = false;
  std::unique_ptr<Connection> connection;
};

struct Pool {
  std::size_t open = 0;  // counted against the cap: busy + idle + connecting
  std::deque<std::unique_ptr<Connection>> idle;
  std::deque<std::shared_ptr<Waiter>> waiters;
};

struct Lease {
  std::unique_ptr<Connection> connection;  // null: the caller must connect
  bool reused = false;
};

// How one write+read on a connection went.
struct Exchange {
  std::optional<Response> response;
  bool reusable = false;
  std::optional<TransportError> error;
  bool closed_before_response = false;  // the peer closed before any response byte
};

bool peer_closed(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated || ec == asio::error::connection_aborted;
}

std::string ms(ClientOptions::Duration d) {
  return std::to_string(d.count()) + " ms";
}

// A step's timeout, cut to what is left of the request's overall deadline.
ClientOptions::Duration budget(ClientOptions::Duration step, Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) return step;
  const auto left = std::chrono::ceil<ClientOptions::Duration>(deadline - Clock::now());
  return std::clamp(left, ClientOptions::Duration::zero(), step);
}

TransportError make_error(Kind kind, Step step, std::string message, bool sent = false) {
  return TransportError{kind, step, std::move(message), sent, 0};
}

void check_token(std::string_view what, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    throw std::invalid_argument("http::Request: CR or LF in " + std::string(what));
  }
}

bhttp::request<bhttp::string_body> build_message(const Url& origin, const Request& req,
                                                 const std::string& user_agent) {
  if (req.target.empty() || req.target.front() != '/' ||
      req.target.find_first_of(" \r\n") != std::string::npos) {
    throw std::invalid_argument("http::Request: target must be origin-form, got '" + req.target +
                                "'");
  }
  if (req.method.empty() || req.method.find_first_of(" \r\n") != std::string::npos) {
    throw std::invalid_argument("http::Request: bad method '" + req.method + "'");
  }
  bhttp::request<bhttp::string_body> msg;
  msg.version(11);
  msg.method_string(req.method);
  msg.target(req.target);
  msg.set(bhttp::field::host, origin.authority());
  msg.set(bhttp::field::user_agent, user_agent);
  for (const auto& [name, value] : req.headers.fields()) {
    check_token("header name", name);
    check_token("header value", value);
    // The framing is computed from the body; a caller's Host or User-Agent
    // replaces the default instead of doubling it.
    if (Headers::name_equals(name, "content-length") ||
        Headers::name_equals(name, "transfer-encoding")) {
      throw std::invalid_argument("http::Request: " + name + " is set by the client");
    }
    if (Headers::name_equals(name, "host") || Headers::name_equals(name, "user-agent")) {
      msg.set(name, value);
    } else {
      msg.insert(name, value);
    }
  }
  if (!req.content_type.empty()) {
    check_token("content type", req.content_type);
    msg.set(bhttp::field::content_type, req.content_type);
  }
  msg.body() = req.body;
  msg.prepare_payload();
  return msg;
}

}  // namespace

struct Client::Impl {
  Impl(asio::any_io_executor ex, ClientOptions opts, std::shared_ptr<TlsContext> tls_context)
      : executor(std::move(ex)), options(std::move(opts)), tls(std::move(tls_context)) {
    if (options.max_connections_per_host == 0) {
      throw std::invalid_argument("http::ClientOptions: max_connections_per_host must be > 0");
    }
  }

  asio::any_io_executor executor;
  ClientOptions options;
  std::shared_ptr<TlsContext> tls;
  std::map<std::pair<std::string, std::uint16_t>, Pool> pools;  // nodes are never erased

  // --- pool bookkeeping (no I/O) ---

  void close_expired(Pool& pool) {
    const auto now = Clock::now();
    std::erase_if(pool.idle, [&](std::unique_ptr<Connection>& c) {
      if (now - c->idle_since < options.idle_timeout) return false;
      c->close();
      --pool.open;
      return true;
    });
  }

  void close_all_idle(Pool& pool) {
    for (auto& c : pool.idle)
      c->close();
    pool.open -= pool.idle.size();
    pool.idle.clear();
  }

  // A slot (with or without a connection) goes to the longest waiter first.
  bool hand_over(Pool& pool, std::unique_ptr<Connection>& connection) {
    if (pool.waiters.empty()) return false;
    auto waiter = std::move(pool.waiters.front());
    pool.waiters.pop_front();
    waiter->granted = true;
    waiter->connection = std::move(connection);
    waiter->timer.cancel();
    return true;
  }

  void release_slot(Pool& pool) {
    std::unique_ptr<Connection> none;
    if (!hand_over(pool, none)) --pool.open;
  }

  void release(Pool& pool, std::unique_ptr<Connection> connection, bool reusable) {
    if (!reusable) {
      if (connection) connection->close();
      release_slot(pool);
      return;
    }
    if (hand_over(pool, connection)) return;
    connection->idle_since = Clock::now();
    pool.idle.push_back(std::move(connection));
  }

  asio::awaitable<std::optional<Lease>> acquire(Pool& pool, ClientOptions::Duration wait) {
    close_expired(pool);
    while (!pool.idle.empty()) {
      auto connection = std::move(pool.idle.back());  // the most recently used
      pool.idle.pop_back();
      if (connection->looks_alive()) co_return Lease{std::move(connection), true};
      connection->close();
      --pool.open;
    }
    if (pool.open < options.max_connections_per_host) {
      ++pool.open;
      co_return Lease{};
    }
    auto waiter = std::make_shared<Waiter>(executor);
    waiter->timer.expires_after(wait);
    pool.waiters.push_back(waiter);
    error_code ec;
    co_await waiter->timer.async_wait(use_ec(ec));
    if (!waiter->granted) {
      std::erase(pool.waiters, waiter);
      co_return std::nullopt;
    }
    if (waiter->connection) co_return Lease{std::move(waiter->connection), true};
    co_return Lease{};
  }

  // --- I/O steps ---

  asio::awaitable<std::optional<TransportError>> resolve(const Url& where, bool is_proxy,
                                                         tcp::resolver::results_type& results,
                                                         Clock::time_point deadline) {
    const auto limit = budget(options.resolve_timeout, deadline);
    // The resolver has no deadline of its own: a timer cancels it.
    auto resolver = std::make_shared<tcp::resolver>(executor);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer timer(executor);
    timer.expires_after(limit);
    timer.async_wait([resolver, timed_out](const error_code& ec) {
      if (ec) return;
      *timed_out = true;
      resolver->cancel();
    });
    error_code ec;
    results = co_await resolver->async_resolve(where.host, std::to_string(where.port), use_ec(ec));
    timer.cancel();
    const std::string what = is_proxy ? "proxy " + where.host : where.host;
    if (*timed_out) {
      co_return make_error(Kind::timeout, Step::resolve,
                           "resolving " + what + " took longer than " + ms(limit));
    }
    if (ec) {
      co_return make_error(is_proxy ? Kind::proxy : Kind::resolve, Step::resolve,
                           "cannot resolve " + what + ": " + ec.message());
    }
    co_return std::nullopt;
  }

  // CONNECT host:port through the proxy on the connection's plain TCP stream.
  asio::awaitable<std::optional<TransportError>> tunnel(Connection& c, const Url& origin,
                                                        const Url& proxy,
                                                        Clock::time_point deadline) {
    const auto limit = budget(options.connect_timeout, deadline);
    const std::string authority = origin.authority_with_port();
    bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, authority, 11};
    req.set(bhttp::field::host, authority);
    req.set(bhttp::field::user_agent, options.user_agent);
    error_code ec;
    c.tcp().expires_after(limit);
    co_await bhttp::async_write(c.tcp(), req, use_ec(ec));
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.skip(true);  // a CONNECT answer has no body: the tunnel follows
    if (!ec) co_await bhttp::async_read(c.tcp(), c.buffer, parser, use_ec(ec));
    c.tcp().expires_never();
    const std::string where = "proxy " + proxy.authority_with_port();
    if (ec == beast::error::timeout) {
      co_return make_error(Kind::timeout, Step::proxy,
                           where + " did not answer CONNECT " + authority + " within " + ms(limit));
    }
    if (ec) {
      co_return make_error(Kind::proxy, Step::proxy,
                           where + " failed on CONNECT " + authority + ": " + ec.message());
    }
    const auto& res = parser.get();
    if (res.result_int() < 200 || res.result_int() > 299) {
      auto error =
          make_error(Kind::proxy, Step::proxy,
                     where + " refused CONNECT " + authority + ": " +
                         std::to_string(res.result_int()) + " " + std::string(res.reason()));
      error.proxy_status = res.result_int();
      co_return error;
    }
    if (c.buffer.size() != 0) {
      co_return make_error(Kind::proxy, Step::proxy, where + " sent data before the TLS handshake");
    }
    co_return std::nullopt;
  }

  asio::awaitable<std::optional<TransportError>> connect(Connection& c, const Url& origin,
                                                         Clock::time_point deadline) {
    const auto proxy = options.proxy.proxy_for(origin.host);
    const Url& first_hop = proxy ? *proxy : origin;
    tcp::resolver::results_type endpoints;
    if (auto error = co_await resolve(first_hop, proxy.has_value(), endpoints, deadline))
      co_return error;

    error_code ec;
    const auto connect_limit = budget(options.connect_timeout, deadline);
    c.tcp().expires_after(connect_limit);
    co_await c.tcp().async_connect(endpoints, use_ec(ec));
    // No Nagle delay: after a resumed TLS 1.2 handshake the request follows
    // the client's Finished and would wait for its delayed ACK (40 ms here).
    error_code ignored;  // without it, only slower
    if (!ec) c.tcp().socket().set_option(tcp::no_delay(true), ignored);
    const std::string hop =
        proxy ? "proxy " + proxy->authority_with_port() : origin.authority_with_port();
    if (ec == beast::error::timeout) {
      co_return make_error(Kind::timeout, Step::connect,
                           "connecting to " + hop + " took longer than " + ms(connect_limit));
    }
    if (ec) {
      co_return make_error(proxy ? Kind::proxy : Kind::connect, Step::connect,
                           "cannot connect to " + hop + ": " + ec.message());
    }
    if (proxy) {
      if (auto error = co_await tunnel(c, origin, *proxy, deadline)) co_return error;
    }

    // SNI for host names (RFC 6066 forbids IP literals there) and the
    // peer-name check, done by OpenSSL so a mismatch is reported by name.
    SSL* ssl = c.stream.native_handle();
    error_code not_ip;
    asio::ip::make_address(origin.host, not_ip);
    if (not_ip) {
      if (SSL_set_tlsext_host_name(ssl, origin.host.c_str()) != 1 ||
          SSL_set1_host(ssl, origin.host.c_str()) != 1) {
        throw std::runtime_error("TLS: cannot set the host name " + origin.host);
      }
    } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), origin.host.c_str()) != 1) {
      throw std::runtime_error("TLS: cannot set the expected IP address " + origin.host);
    }

    // Resumes the origin's last session if the server agrees (fewer round
    // trips, less CPU); only this origin's, so its name was checked already.
    const std::string peer = origin.authority_with_port();
    tls->sessions().offer(ssl, peer);

    const auto handshake_limit = budget(options.handshake_timeout, deadline);
    c.tcp().expires_after(handshake_limit);
    co_await c.stream.async_handshake(ssl::stream_base::client, use_ec(ec));
    c.tcp().expires_never();
    if (ec) tls->sessions().forget(peer);
    if (ec == beast::error::timeout) {
      co_return make_error(
          Kind::timeout, Step::tls_handshake,
          "TLS handshake with " + peer + " took longer than " + ms(handshake_limit));
    }
    if (ec) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        co_return make_error(
            Kind::tls_verify, Step::tls_handshake,
            "certificate of " + peer + " rejected: " + X509_verify_cert_error_string(verify));
      }
      co_return make_error(Kind::tls_handshake, Step::tls_handshake,
                           "TLS handshake with " + peer + " failed: " + ec.message());
    }
    co_return std::nullopt;
  }

  asio::awaitable<Exchange> exchange(Connection& c, const bhttp::request<bhttp::string_body>& msg,
                                     const Url& origin, Clock::time_point deadline) {
    Exchange out;
    const std::string peer = origin.authority_with_port();
    error_code ec;
    // With a deadline, it alone bounds the exchange (Request::deadline).
    const bool bounded = deadline != Clock::time_point::max();
    const auto write_limit =
        bounded ? budget(ClientOptions::Duration::max(), deadline) : options.write_timeout;
    c.tcp().expires_after(write_limit);
    co_await bhttp::async_write(c.stream, msg, use_ec(ec));
    const auto written_at = Clock::now();
    if (ec) {
      c.tcp().expires_never();
      out.closed_before_response = peer_closed(ec);
      out.error =
          ec == beast::error::timeout
              ? make_error(
                    Kind::timeout, Step::write,
                    "sending the request to " + peer + " took longer than " + ms(write_limit), true)
              : make_error(Kind::write, Step::write,
                           "sending the request to " + peer + " failed: " + ec.message(), true);
      co_return out;
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    if (msg.method() == bhttp::verb::head) parser.skip(true);
    const auto read_limit =
        bounded ? budget(ClientOptions::Duration::max(), deadline) : options.read_timeout;
    c.tcp().expires_after(read_limit);
    co_await bhttp::async_read(c.stream, c.buffer, parser, use_ec(ec));
    c.tcp().expires_never();
    if (ec) {
      if (ec == beast::error::timeout) {
        out.error =
            make_error(Kind::timeout, Step::read,
                       "no complete response from " + peer + " within " + ms(read_limit), true);
      } else if (ec == bhttp::error::body_limit) {
        out.error = make_error(Kind::body_too_large, Step::read,
                               "response body from " + peer + " exceeds " +
                                   std::to_string(options.body_limit) + " bytes",
                               true);
      } else if (!parser.got_some() && peer_closed(ec)) {
        out.closed_before_response = true;
        out.error = make_error(
            Kind::closed, Step::read,
            peer + " closed the connection without a response (" + ec.message() + ")", true);
      } else {
        out.error =
            make_error(Kind::read, Step::read,
                       "reading the response from " + peer + " failed: " + ec.message(), true);
      }
      co_return out;
    }

    auto res = parser.release();
    Response response;
    response.status = res.result_int();
    for (const auto& field : res) {
      response.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(res.body());
    response.written_at = written_at;
    out.reusable = res.keep_alive() && c.buffer.size() == 0;
    out.response = std::move(response);
    co_return out;
  }

  asio::awaitable<Result> request(Url origin, Request req) {
    if (origin.scheme != "https") {
      throw std::invalid_argument("http::Client: only https origins, got " + origin.origin());
    }
    const auto msg = build_message(origin, req, options.user_agent);
    const auto deadline = req.deadline.value_or(Clock::time_point::max());
    Pool& pool = pools[{origin.host, origin.port}];
    for (int attempt = 0;; ++attempt) {
      const auto wait = budget(options.pool_wait_timeout, deadline);
      auto lease = co_await acquire(pool, wait);
      if (!lease) {
        co_return make_error(Kind::timeout, Step::pool_wait,
                             "no free connection to " + origin.authority_with_port() + " within " +
                                 ms(wait) + " (" +
                                 std::to_string(options.max_connections_per_host) + " busy)");
      }
      std::optional<Exchange> outcome;
      try {
        if (!lease->connection) {
          auto connection = std::make_unique<Connection>(executor, tls->native());
          if (auto error = co_await connect(*connection, origin, deadline)) {
            release_slot(pool);
            co_return std::move(*error);
          }
          lease->connection = std::move(connection);
        }
        outcome = co_await exchange(*lease->connection, msg, origin, deadline);
      } catch (...) {
        release(pool, std::move(lease->connection), false);
        throw;
      }
      if (outcome->response) {
        release(pool, std::move(lease->connection), outcome->reusable);
        co_return std::move(*outcome->response);
      }
      release(pool, std::move(lease->connection), false);
      // A kept-alive connection closed before any byte of an answer: most
      // likely the server had dropped it, but it may have processed the
      // request first. Only an idempotent request is resent (once, on a new
      // connection: the other idle ones are likely stale too); anything else
      // fails as "may have been sent" (RFC 9110 §9.2.2) and its caller decides.
      if (lease->reused && outcome->closed_before_response) {
        close_all_idle(pool);
        if (req.idempotent() && attempt == 0) continue;
        outcome->error->message += "; not resent: a " + req.method + " may have been processed";
      }
      co_return std::move(*outcome->error);
    }
  }
};

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : Client(executor, options, std::make_shared<TlsContext>(options.ca_file)) {}

Client::Client(asio::any_io_executor executor, ClientOptions options,
               std::shared_ptr<TlsContext> tls)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(tls))) {}

Client::~Client() {
  close_idle();
}

asio::awaitable<Result> Client::request(const Url& origin, Request request) {
  auto impl = impl_;  // keeps the pools alive while this request runs
  co_return co_await impl->request(origin, std::move(request));
}

void Client::close_idle() {
  for (auto& [key, pool] : impl_->pools)
    impl_->close_all_idle(pool);
}

Client::PoolStats Client::stats(const Url& origin) const {
  const auto it = impl_->pools.find({origin.host, origin.port});
  if (it == impl_->pools.end()) return {};
  return {it->second.open, it->second.idle.size(), it->second.waiters.size()};
}

const ClientOptions& Client::options() const {
  return impl_->options;
}

}  // namespace keapsync::http
