// ConnectTestProxy: plain Asio coroutines (no Beast) relaying bytes after "200 Connection
// established".
#include "support/connect_test_proxy.hpp"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <mutex>
#include <thread>

namespace keapsync::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

auto use_ec(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// Copies one direction until either side fails, then closes both.
asio::awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
  std::array<char, 16 * 1024> data{};
  for (;;) {
    error_code ec;
    const std::size_t n = co_await from->async_read_some(asio::buffer(data), use_ec(ec));
    if (ec) break;
    co_await asio::async_write(*to, asio::buffer(data.data(), n), use_ec(ec));
    if (ec) break;
  }
  error_code ignored;
  from->close(ignored);
  to->close(ignored);
}

}  // namespace

struct ConnectTestProxy::Impl {
  Impl(int refuse, std::uint16_t upstream) : refuse_status(refuse), upstream_port(upstream) {
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(local.protocol());
    acceptor.bind(local);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    asio::co_spawn(ioc, accept_loop(), asio::detached);
    thread = std::thread([this] { ioc.run(); });
  }
  ~Impl() {
    ioc.stop();
    thread.join();
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(use_ec(ec));
      if (ec) co_return;
      asio::co_spawn(ioc, session(std::make_shared<tcp::socket>(std::move(socket))),
                     asio::detached);
    }
  }

  asio::awaitable<void> session(std::shared_ptr<tcp::socket> client) {
    std::string head;
    error_code ec;
    const std::size_t n = co_await asio::async_read_until(*client, asio::dynamic_buffer(head, 8192),
                                                          "\r\n\r\n", use_ec(ec));
    if (ec) co_return;
    const std::string extra = head.substr(n);  // bytes after the request head, if any
    // "CONNECT host:port HTTP/1.1"
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    if (head.compare(0, sp1, "CONNECT") != 0 || sp2 == std::string::npos) co_return;
    const std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard lock(mutex);
      log.push_back(target);
    }
    ++connect_count;
    auto reply = [&](const std::string& status) -> asio::awaitable<void> {
      const std::string text = "HTTP/1.1 " + status + "\r\n\r\n";
      co_await asio::async_write(*client, asio::buffer(text), use_ec(ec));
    };
    if (refuse_status != 0) {
      co_await reply(std::to_string(refuse_status) + " Refused");
      co_return;
    }
    const auto colon = target.rfind(':');
    auto upstream = std::make_shared<tcp::socket>(ioc);
    tcp::resolver resolver(ioc);
    // Not one conditional expression with a co_await in each branch: GCC 12 destroys the
    // result of such an expression twice (ASan: heap-use-after-free).
    std::string host = target.substr(0, colon);
    std::string service = target.substr(colon + 1);
    if (upstream_port != 0) {
      host = "127.0.0.1";
      service = std::to_string(upstream_port);
    }
    const auto endpoints = co_await resolver.async_resolve(host, service, use_ec(ec));
    if (!ec) co_await asio::async_connect(*upstream, endpoints, use_ec(ec));
    if (ec) {
      co_await reply("502 Bad Gateway");
      co_return;
    }
    co_await reply("200 Connection established");
    if (ec) co_return;
    if (!extra.empty()) co_await asio::async_write(*upstream, asio::buffer(extra), use_ec(ec));
    asio::co_spawn(ioc, relay(client, upstream), asio::detached);
    asio::co_spawn(ioc, relay(upstream, client), asio::detached);
  }

  int refuse_status;
  std::uint16_t upstream_port;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;
  std::atomic<std::size_t> connect_count{0};
  mutable std::mutex mutex;
  std::vector<std::string> log;
};

ConnectTestProxy::ConnectTestProxy(int refuse_status, std::uint16_t upstream_port)
    : impl_(std::make_unique<Impl>(refuse_status, upstream_port)) {}
ConnectTestProxy::~ConnectTestProxy() = default;

std::uint16_t ConnectTestProxy::port() const {
  return impl_->port;
}
std::string ConnectTestProxy::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}
std::size_t ConnectTestProxy::connects() const {
  return impl_->connect_count;
}
std::vector<std::string> ConnectTestProxy::targets() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

}  // namespace keapsync::testing
