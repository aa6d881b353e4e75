// Tests of the status server over real loopback sockets (port 0), each with a deadline.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "engine/exposition.hpp"
#include "engine/health_state.hpp"
#include "engine/metric_registry.hpp"
#include "engine/status_server.hpp"

namespace keapsync::engine {
namespace {

using auth::AccountState;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Response = http::response<http::string_body>;

constexpr auto kDeadline = 10s;

class StatusServerTest : public ::testing::Test {
 protected:
  void start(StatusServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<StatusServer>(ioc_.get_executor(), options, health_, registry_);
    server_->start();
  }

  // Runs `body` on the io_context with the server up; stops the server when it ends and
  // requires everything (the server's coroutines too) to finish within kDeadline.
  void run(std::function<asio::awaitable<void>()> body) {
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(ioc_, body(), [&](std::exception_ptr e) {
      done = true;
      error = e;
      server_->stop();
    });
    ioc_.run_for(kDeadline);
    ASSERT_TRUE(done) << "deadline passed";
    EXPECT_TRUE(ioc_.stopped()) << "the server left work behind after stop()";
    if (error) std::rethrow_exception(error);
  }

  asio::awaitable<beast::tcp_stream> connect() {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(5s);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()),
                                  asio::use_awaitable);
    co_return stream;
  }

  static asio::awaitable<Response> exchange(beast::tcp_stream& stream, http::verb method,
                                            std::string target, unsigned version = 11) {
    http::request<http::string_body> request{method, target, version};
    request.set(http::field::host, "127.0.0.1");
    if (method == http::verb::post) request.body() = "x";
    request.prepare_payload();
    stream.expires_after(5s);
    co_await http::async_write(stream, request, asio::use_awaitable);
    beast::flat_buffer buffer;
    Response response;
    co_await http::async_read(stream, buffer, response, asio::use_awaitable);
    co_return response;
  }

  asio::awaitable<Response> get(std::string target, http::verb method = http::verb::get) {
    auto stream = co_await connect();
    co_return co_await exchange(stream, method, std::move(target));
  }

  // Reads until the server closes; returns what arrived.
  static asio::awaitable<std::string> read_until_closed(beast::tcp_stream& stream) {
    std::string received;
    char chunk[1024];
    for (;;) {
      auto [ec, n] =
          co_await stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      received.append(chunk, n);
      if (ec) break;
    }
    co_return received;
  }

  std::uint16_t port() const { return server_->port(); }

  asio::io_context ioc_;
  MetricRegistry registry_;
  HealthState health_;
  std::unique_ptr<StatusServer> server_;
};

TEST_F(StatusServerTest, HealthzAnswersLiveness) {
  start();
  EXPECT_NE(port(), 0);
  run([&]() -> asio::awaitable<void> {
    Response response = co_await get("/healthz");
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], "application/json");
    EXPECT_EQ(boost::json::parse(response.body()).at("status"), "ok");
  });
}

TEST_F(StatusServerTest, ReadyzIs503WithReasonsThen200) {
  start();
  run([&]() -> asio::awaitable<void> {
    Response response = co_await get("/readyz");
    EXPECT_EQ(response.result(), http::status::service_unavailable);
    auto body = boost::json::parse(response.body());
    EXPECT_EQ(body.at("reasons").as_array().at(0), "database_unreachable");
    health_.set_database_reachable(true);
    health_.set_schema_current(true);
    health_.set_account("shop", AccountState::ok);
    response = co_await get("/readyz");
    EXPECT_EQ(response.result(), http::status::ok) << response.body();
  });
}

TEST_F(StatusServerTest, MetricsServesTheRegistryAndIgnoresTheQuery) {
  registry_.counter("demo_total", "Demo.", {"account"}).inc({"shop"}, 7);
  start();
  run([&]() -> asio::awaitable<void> {
    Response response = co_await get("/metrics?name[]=x");
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response[http::field::content_type], exposition::kContentType);
    EXPECT_EQ(response.body(), registry_.render());
    EXPECT_NE(response.body().find("demo_total{account=\"shop\"} 7\n"), std::string::npos);
  });
}

TEST_F(StatusServerTest, UnknownPathIs404AndOtherMethodsAre405) {
  start();
  run([&]() -> asio::awaitable<void> {
    Response response = co_await get("/");
    EXPECT_EQ(response.result(), http::status::not_found);
    response = co_await get("/metrics/extra");
    EXPECT_EQ(response.result(), http::status::not_found);
    response = co_await get("/metrics", http::verb::post);
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
    EXPECT_EQ(response[http::field::allow], "GET");
    response = co_await get("/healthz", http::verb::delete_);
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
  });
}

TEST_F(StatusServerTest, KeepAliveServesSeveralRequestsAndHttp10Closes) {
  start();
  run([&]() -> asio::awaitable<void> {
    auto stream = co_await connect();
    for (const char* target : {"/healthz", "/metrics", "/readyz"}) {
      Response response = co_await exchange(stream, http::verb::get, target);
      EXPECT_TRUE(response.keep_alive()) << target;
    }
    auto old = co_await connect();
    Response response = co_await exchange(old, http::verb::get, "/healthz", 10);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_FALSE(response.keep_alive());
    EXPECT_EQ(co_await read_until_closed(old), "");  // then the server closes
  });
}

TEST_F(StatusServerTest, SlowClientIsCutOffAtTheReadDeadline) {
  StatusServerOptions options;
  options.read_timeout = 200ms;
  start(options);
  run([&]() -> asio::awaitable<void> {
    auto stream = co_await connect();
    std::string partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";  // never finished
    co_await asio::async_write(stream, asio::buffer(partial), asio::use_awaitable);
    auto started = std::chrono::steady_clock::now();
    std::string received = co_await read_until_closed(stream);
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(received, "");
    EXPECT_GE(waited, 150ms);
    EXPECT_LT(waited, 4s);
  });
}

TEST_F(StatusServerTest, IdleKeepAliveConnectionIsClosedAtTheReadDeadline) {
  StatusServerOptions options;
  options.read_timeout = 200ms;
  start(options);
  run([&]() -> asio::awaitable<void> {
    auto stream = co_await connect();
    Response response = co_await exchange(stream, http::verb::get, "/healthz");
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(co_await read_until_closed(stream), "");
  });
}

TEST_F(StatusServerTest, OversizedHeaderIs431AndMalformedRequestIs400) {
  StatusServerOptions options;
  options.header_limit = 1024;
  start(options);
  run([&]() -> asio::awaitable<void> {
    auto stream = co_await connect();
    std::string big =
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n";
    co_await asio::async_write(stream, asio::buffer(big), asio::use_awaitable);
    std::string received = co_await read_until_closed(stream);
    EXPECT_EQ(received.rfind("HTTP/1.1 431 ", 0), 0u) << received;

    auto garbage = co_await connect();
    std::string bad = "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n";
    co_await asio::async_write(garbage, asio::buffer(bad), asio::use_awaitable);
    received = co_await read_until_closed(garbage);
    EXPECT_EQ(received.rfind("HTTP/1.1 400 ", 0), 0u) << received;
  });
}

TEST_F(StatusServerTest, OversizedBodyIs413) {
  start();
  run([&]() -> asio::awaitable<void> {
    auto stream = co_await connect();
    std::string request = "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                          std::string(2000, 'b');
    co_await asio::async_write(stream, asio::buffer(request), asio::use_awaitable);
    std::string received = co_await read_until_closed(stream);
    EXPECT_EQ(received.rfind("HTTP/1.1 413 ", 0), 0u) << received;
  });
}

TEST_F(StatusServerTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  StatusServerOptions options;
  options.max_connections = 1;
  start(options);
  run([&]() -> asio::awaitable<void> {
    auto first = co_await connect();
    EXPECT_EQ((co_await exchange(first, http::verb::get, "/healthz")).result(), http::status::ok);
    auto second = co_await connect();
    EXPECT_EQ(co_await read_until_closed(second), "");  // closed without an answer
    EXPECT_EQ((co_await exchange(first, http::verb::get, "/healthz")).result(), http::status::ok);
  });
}

TEST_F(StatusServerTest, StopClosesOpenConnectionsAndLeavesNoWork) {
  start();
  run([&]() -> asio::awaitable<void> {
    auto stream = co_await connect();
    Response response = co_await exchange(stream, http::verb::get, "/healthz");
    EXPECT_TRUE(response.keep_alive());
    server_->stop();  // the default read deadline is 5 s: only stop() can close it this soon
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(co_await read_until_closed(stream), "");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    beast::tcp_stream late(co_await asio::this_coro::executor);
    late.expires_after(2s);
    auto [ec] =
        co_await late.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()),
                                    asio::as_tuple(asio::use_awaitable));
    EXPECT_TRUE(ec) << "the listener should be closed";
  });
}

TEST(StatusServerListen, AcceptsLoopbackOnlyAndRejectsMalformedAddresses) {
  asio::io_context ioc;
  MetricRegistry registry;
  HealthState health;
  auto make = [&](std::string listen, bool allow = false) {
    StatusServerOptions options;
    options.listen = std::move(listen);
    options.allow_non_loopback = allow;
    return std::make_unique<StatusServer>(ioc.get_executor(), options, health, registry);
  };
  EXPECT_NE(make("localhost:0")->port(), 0);
  EXPECT_NE(make("127.0.0.2:0")->port(), 0);
  EXPECT_THROW(make("0.0.0.0:0"), std::invalid_argument);
  EXPECT_THROW(make("192.0.2.1:0"), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1:http"), std::invalid_argument);
  EXPECT_THROW(make("127.0.0.1:70000"), std::invalid_argument);
  EXPECT_THROW(make("keap.example:0"), std::invalid_argument);
  EXPECT_NE(make("0.0.0.0:0", true)->port(), 0);
  auto first = make("127.0.0.1:0");
  EXPECT_THROW(make("127.0.0.1:" + std::to_string(first->port())), boost::system::system_error);
}

}  // namespace
}  // namespace keapsync::engine
