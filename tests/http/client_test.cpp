// http::Client against a real HTTPS test server: TLS checks, pool, deadlines, limits, proxy.
#include "http/client.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "support/connect_test_proxy.hpp"
#include "support/https_test_server.hpp"
#include "tls/certificate_authority.hpp"

namespace keapsync::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::ConnectTestProxy;
using testing::HttpsTestServer;
using testing::TestRequest;
using testing::TestResponse;
using Kind = TransportError::Kind;
using Step = TransportError::Step;

// A PEM written to a file that is removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    std::string pattern = (std::filesystem::temp_directory_path() / "keapsync-ca-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = pattern;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions options() const {
    ClientOptions o;
    o.ca_file = ca_file.path();
    o.resolve_timeout = o.connect_timeout = o.handshake_timeout = o.write_timeout = o.read_timeout =
        o.pool_wait_timeout = 2s;
    return o;
  }

  // Runs `body` on the test's io_context; fails the test (never hangs) after `limit`.
  void run(std::function<asio::awaitable<void>()> body, std::chrono::seconds limit = 10s) {
    auto done = std::make_shared<bool>(false);
    auto error = std::make_shared<std::exception_ptr>();
    asio::co_spawn(ioc, std::move(body), [done, error](std::exception_ptr e) {
      *done = true;
      *error = e;
    });
    ioc.run_for(limit);
    ioc.restart();
    ASSERT_TRUE(*done) << "test coroutine did not finish within " << limit.count() << " s";
    if (*error) std::rethrow_exception(*error);
  }

  // One request, run to completion.
  Result fetch(Client& client, const Url& origin, Request request) {
    std::optional<Result> result;
    run([&]() -> asio::awaitable<void> {
      result = co_await client.request(origin, std::move(request));
    });
    if (!result) throw std::runtime_error("no result");
    return std::move(*result);
  }

  static Request get(const std::string& target = "/ping") {
    Request r;
    r.target = target;
    return r;
  }

  tls::CertificateAuthority ca{"keapsync test CA"};
  TempFile ca_file{ca.certificate_pem()};
  asio::io_context ioc;
};

std::string kind_of(const Result& r) {
  return r.ok() ? "ok " + std::to_string(r.response().status) : r.error().describe();
}

TEST_F(ClientTest, RoundTripsMethodTargetHeadersAndBody) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest& req) {
    TestResponse res;
    res.status = 201;
    res.headers.add("X-Echo-Method", req.method);
    res.headers.add("X-Echo-Token", req.headers.get("x-token").value_or("-"));
    res.headers.add("X-Echo-Type", req.headers.get("content-type").value_or("-"));
    res.body = "got:" + req.body;
    return res;
  });
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin() + "/crm");
  Request req;
  req.method = "PATCH";
  req.target = origin.join("/rest/v2/contacts/7") + "?x=1";
  req.headers.set("X-Token", "abc");
  req.headers.set("user-agent", "keapsync-test/1");
  req.content_type = "application/json";
  req.body = R"({"given_name":"Ann"})";

  const Result r = fetch(client, origin, req);
  ASSERT_TRUE(r.ok()) << kind_of(r);
  EXPECT_EQ(r.response().status, 201);
  EXPECT_EQ(r.response().headers.get("x-echo-method"), "PATCH");
  EXPECT_EQ(r.response().headers.get("X-ECHO-TOKEN"), "abc");
  EXPECT_EQ(r.response().headers.get("x-echo-type"), "application/json");
  EXPECT_EQ(r.response().body, R"(got:{"given_name":"Ann"})");
  const auto seen = server.received();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/crm/rest/v2/contacts/7?x=1");
  EXPECT_EQ(seen[0].headers.get("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].headers.get("content-length"), "20");
  EXPECT_EQ(seen[0].headers.get("user-agent"), "keapsync-test/1");
  EXPECT_EQ(seen[0].headers.size(), 5u);  // host, user-agent, x-token, content-type, -length
  EXPECT_EQ(seen[0].sni, "");             // no SNI for an IP literal (RFC 6066)
}

TEST_F(ClientTest, SendsSniForHostNames) {
  HttpsTestServer server(ca);
  Client client(ioc.get_executor(), options());
  const Result r = fetch(client, Url::parse(server.origin("localhost")), get());
  ASSERT_TRUE(r.ok()) << kind_of(r);
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].sni, "localhost");
}

TEST_F(ClientTest, UnknownCaFailsVerification) {
  tls::CertificateAuthority other("some other CA");
  HttpsTestServer server(other);
  Client client(ioc.get_executor(), options());
  const Result r = fetch(client, Url::parse(server.origin()), get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::tls_verify) << r.error().describe();
  EXPECT_NE(r.error().message.find("unable to get local issuer certificate"), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(r.error().request_sent);
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(ClientTest, CertificateForAnotherHostFails) {
  HttpsTestServer server(ca, {.names = {"api.example.test"}});
  Client client(ioc.get_executor(), options());

  const Result by_ip = fetch(client, Url::parse(server.origin("127.0.0.1")), get());
  ASSERT_FALSE(by_ip.ok());
  EXPECT_EQ(by_ip.error().kind, Kind::tls_verify) << by_ip.error().describe();
  EXPECT_NE(by_ip.error().message.find("IP address mismatch"), std::string::npos)
      << by_ip.error().message;

  const Result by_name = fetch(client, Url::parse(server.origin("localhost")), get());
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.error().kind, Kind::tls_verify) << by_name.error().describe();
  EXPECT_NE(by_name.error().message.find("hostname mismatch"), std::string::npos)
      << by_name.error().message;
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(ClientTest, TheTrustStoreIsTheCaFileOrOpenSslsDefault) {
  const auto configured = TlsContext::trust_store("/etc/keapsync/ca.pem");
  EXPECT_EQ(configured.source, "keap.ca_file");
  EXPECT_EQ(configured.file, "/etc/keapsync/ca.pem");
  const char* outer = std::getenv("SSL_CERT_FILE");
  const std::optional<std::string> saved = outer ? std::optional<std::string>(outer) : std::nullopt;
  ::unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(TlsContext::trust_store("").file, X509_get_default_cert_file());
  ::setenv("SSL_CERT_FILE", ca_file.path().c_str(), 1);
  const auto system = TlsContext::trust_store("");
  if (saved)
    ::setenv("SSL_CERT_FILE", saved->c_str(), 1);
  else
    ::unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(system.source, "system");
  EXPECT_EQ(system.file, ca_file.path());
  EXPECT_FALSE(system.dir.empty());
}

TEST_F(ClientTest, MissingCaFileIsAConfigurationError) {
  EXPECT_THROW(TlsContext("/nonexistent/ca.pem"), std::runtime_error);
}

TEST_F(ClientTest, SequentialRequestsReuseOneConnection) {
  HttpsTestServer server(ca);
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin());
  for (int i = 0; i < 5; ++i) {
    const Result r = fetch(client, origin, get());
    ASSERT_TRUE(r.ok()) << kind_of(r);
  }
  EXPECT_EQ(server.requests(), 5u);
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(client.stats(origin).open, 1u);
  EXPECT_EQ(client.stats(origin).idle, 1u);
}

TEST_F(ClientTest, IdleConnectionsOlderThanTheIdleTimeoutAreNotReused) {
  HttpsTestServer server(ca);
  auto o = options();
  o.idle_timeout = 0ms;  // every idle connection is already too old
  Client client(ioc.get_executor(), o);
  const Url origin = Url::parse(server.origin());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(fetch(client, origin, get()).ok());
  EXPECT_EQ(server.connections(), 3u);
  EXPECT_EQ(client.stats(origin).open, 1u);  // only the last one is left, until next use
}

TEST_F(ClientTest, CloseIdleDropsKeptAliveConnections) {
  HttpsTestServer server(ca);
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin());
  ASSERT_TRUE(fetch(client, origin, get()).ok());
  client.close_idle();
  EXPECT_EQ(client.stats(origin).open, 0u);
  ASSERT_TRUE(fetch(client, origin, get()).ok());
  EXPECT_EQ(server.connections(), 2u);
}

TEST_F(ClientTest, ConcurrentRequestsRespectThePoolCap) {
  HttpsTestServer server(ca);
  auto o = options();
  o.max_connections_per_host = 2;
  Client client(ioc.get_executor(), o);
  const Url origin = Url::parse(server.origin());
  constexpr int n = 8;
  int ok = 0;
  std::size_t most_waiting = 0;
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    auto finished = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
    int left = n;
    for (int i = 0; i < n; ++i) {
      asio::co_spawn(
          ex,
          [&]() -> asio::awaitable<void> {
            const Result r = co_await client.request(origin, get());
            if (r.ok() && r.response().status == 200) ++ok;
            if (--left == 0) finished->cancel();
          },
          asio::detached);
    }
    co_await asio::post(ex, asio::use_awaitable);
    most_waiting = client.stats(origin).waiting;
    boost::system::error_code ec;
    co_await finished->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  });
  EXPECT_EQ(ok, n);
  EXPECT_EQ(most_waiting, static_cast<std::size_t>(n - 2));
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(server.requests(), static_cast<std::size_t>(n));
  EXPECT_EQ(client.stats(origin).open, 2u);
}

TEST_F(ClientTest, WaitingForAFullPoolHasADeadline) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.fault = TestResponse::Fault::stall;
    return res;
  });
  auto o = options();
  o.max_connections_per_host = 1;
  o.read_timeout = 500ms;
  o.pool_wait_timeout = 200ms;
  Client client(ioc.get_executor(), o);
  const Url origin = Url::parse(server.origin());
  std::optional<Result> first, second;
  run([&]() -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    auto send = [&](std::optional<Result>& out) -> asio::awaitable<void> {
      out = co_await client.request(origin, get());
    };
    co_await (send(first) && send(second));
  });
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().kind, Kind::timeout);
  EXPECT_EQ(second->error().step, Step::pool_wait) << second->error().describe();
  EXPECT_FALSE(second->error().request_sent);
  ASSERT_FALSE(first->ok());
  EXPECT_EQ(first->error().step, Step::read);
  EXPECT_EQ(client.stats(origin).open, 0u);  // the timed-out connection was discarded
}

// --- deadlines (200 ms each, so a hang shows as a slow test, never a stuck one) ---

class DeadlineTest : public ClientTest {
 protected:
  ClientOptions short_deadlines() const {
    auto o = options();
    o.connect_timeout = o.handshake_timeout = o.write_timeout = o.read_timeout = 200ms;
    return o;
  }
  // Runs one request and checks it failed by `step`'s deadline in well under a second.
  TransportError expect_timeout(HttpsTestServer& server, Step step, Request req = get()) {
    Client client(ioc.get_executor(), short_deadlines());
    const auto start = std::chrono::steady_clock::now();
    const Result r = fetch(client, Url::parse(server.origin()), std::move(req));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(r.ok());
    if (r.ok()) return {};
    EXPECT_EQ(r.error().kind, Kind::timeout) << r.error().describe();
    EXPECT_EQ(r.error().step, step) << r.error().describe();
    EXPECT_GE(took, 190ms);
    EXPECT_LT(took, 2s);  // far from the 5 s of the other steps
    return r.error();
  }
};

TEST_F(DeadlineTest, ConnectToAFullBacklog) {
  HttpsTestServer server(ca, {.stall = HttpsTestServer::Stall::accept});
  const auto e = expect_timeout(server, Step::connect);
  EXPECT_FALSE(e.request_sent);
}

TEST_F(DeadlineTest, ServerThatNeverSpeaksTls) {
  HttpsTestServer server(ca, {.stall = HttpsTestServer::Stall::handshake});
  expect_timeout(server, Step::tls_handshake);
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(DeadlineTest, ServerThatNeverReadsTheRequest) {
  HttpsTestServer server(ca, {.stall = HttpsTestServer::Stall::request});
  Request big = get("/upload");
  big.method = "POST";
  big.body.assign(16 * 1024 * 1024, 'x');  // more than the socket buffers hold
  const auto e = expect_timeout(server, Step::write, std::move(big));
  EXPECT_TRUE(e.request_sent);
}

TEST_F(DeadlineTest, ServerThatNeverAnswers) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.fault = TestResponse::Fault::stall;
    return res;
  });
  const auto e = expect_timeout(server, Step::read);
  EXPECT_TRUE(e.request_sent);
  EXPECT_EQ(server.requests(), 1u);
}

TEST_F(DeadlineTest, BodyThatStopsMidway) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.body = std::string(10000, 'b');
    res.fault = TestResponse::Fault::stall_mid_body;
    return res;
  });
  expect_timeout(server, Step::read);
}

TEST_F(ClientTest, BodyLargerThanTheLimitFails) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest& req) {
    TestResponse res;
    res.body = std::string(req.target == "/big" ? 4097 : 4096, 'z');
    return res;
  });
  auto o = options();
  o.body_limit = 4096;
  Client client(ioc.get_executor(), o);
  const Url origin = Url::parse(server.origin());
  const Result at_limit = fetch(client, origin, get("/small"));
  ASSERT_TRUE(at_limit.ok()) << kind_of(at_limit);
  EXPECT_EQ(at_limit.response().body.size(), 4096u);
  const Result over = fetch(client, origin, get("/big"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().kind, Kind::body_too_large) << over.error().describe();
  EXPECT_EQ(client.stats(origin).open, 0u);  // that connection is not reused
}

TEST_F(ClientTest, IdleConnectionClosedByTheServerIsReplaced) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.close_after = true;  // no "Connection: close": the client learns it from the socket
    return res;
  });
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin());
  ASSERT_TRUE(fetch(client, origin, get()).ok());
  // Whether the close is seen before reuse (socket check) or on it (one
  // retry), the next request must succeed on a new connection.
  const Result second = fetch(client, origin, get());
  ASSERT_TRUE(second.ok()) << kind_of(second);
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(server.requests(), 2u);
}

TEST_F(ClientTest, StaleReusedConnectionIsRetriedOnceOnANewOne) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest& req) {
    TestResponse res;
    // The second request on the first connection finds it "closed" before any answer.
    if (req.connection == 1 && req.target == "/second") {
      res.fault = TestResponse::Fault::close_without_response;
    }
    return res;
  });
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin());
  ASSERT_TRUE(fetch(client, origin, get("/first")).ok());
  const Result r = fetch(client, origin, get("/second"));
  ASSERT_TRUE(r.ok()) << kind_of(r);
  EXPECT_EQ(server.connections(), 2u);
  ASSERT_EQ(server.received().size(), 3u);
  EXPECT_EQ(server.received()[2].connection, 2u);
}

TEST_F(ClientTest, StaleReusedConnectionIsNeverResentForAPost) {
  // A single-use refresh token or a contact create must not reach Keap twice
  // behind the caller's back: the server may have acted before it closed.
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest& req) {
    TestResponse res;
    if (req.target == "/token") res.fault = TestResponse::Fault::close_without_response;
    return res;
  });
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin());
  ASSERT_TRUE(fetch(client, origin, get("/first")).ok());
  for (const char* method : {"POST", "PATCH"}) {
    Request post = get("/token");
    post.method = method;
    post.body = "grant_type=refresh_token";
    const Result r = fetch(client, origin, std::move(post));
    ASSERT_FALSE(r.ok()) << method;
    EXPECT_EQ(r.error().kind, Kind::closed) << r.error().describe();
    EXPECT_TRUE(r.error().request_sent) << method;
    EXPECT_NE(r.error().message.find("not resent"), std::string::npos) << r.error().message;
    // A new connection, kept alive, so the next method again meets a reused one.
    ASSERT_TRUE(fetch(client, origin, get("/again")).ok());
  }
  const auto received = server.received();
  EXPECT_EQ(std::count_if(received.begin(), received.end(),
                          [](const TestRequest& r) { return r.target == "/token"; }),
            2);  // each method reached the server once
  EXPECT_EQ(server.connections(), 3u);
}

TEST_F(ClientTest, TheRequestDeadlineCutsEveryStep) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.fault = TestResponse::Fault::stall;
    return res;
  });
  Client client(ioc.get_executor(), options());  // 2 s per step
  Request req = get();
  req.deadline = std::chrono::steady_clock::now() + 300ms;
  const auto start = std::chrono::steady_clock::now();
  const Result r = fetch(client, Url::parse(server.origin()), std::move(req));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::timeout) << r.error().describe();
  EXPECT_EQ(r.error().step, Step::read) << r.error().describe();
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);  // the read's own 2 s did not apply
}

TEST_F(ClientTest, ADeadlineLongerThanTheReadTimeoutWaitsForASlowAnswer) {
  // A token endpoint that answers late has rotated already: its answer must
  // be taken as long as the request's deadline allows, whatever read_timeout says.
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    std::this_thread::sleep_for(2500ms);  // the slow peer itself
    return TestResponse{};
  });
  Client client(ioc.get_executor(), options());  // read_timeout 2 s
  Request req = get();
  req.method = "POST";
  req.deadline = std::chrono::steady_clock::now() + 6s;
  const Result r = fetch(client, Url::parse(server.origin()), std::move(req));
  ASSERT_TRUE(r.ok()) << kind_of(r);
  EXPECT_EQ(r.response().status, 200);
}

TEST_F(ClientTest, FreshConnectionClosedWithoutAnswerIsNotRetried) {
  HttpsTestServer server(ca);
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.fault = TestResponse::Fault::close_without_response;
    return res;
  });
  Client client(ioc.get_executor(), options());
  const Result r = fetch(client, Url::parse(server.origin()), get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::closed) << r.error().describe();
  EXPECT_TRUE(r.error().request_sent);
  EXPECT_EQ(server.requests(), 1u);
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(ClientTest, ConnectionRefusedIsAConnectError) {
  std::uint16_t port = 0;
  {
    HttpsTestServer closed(ca);
    port = closed.port();
  }
  Client client(ioc.get_executor(), options());
  const Result r = fetch(client, Url::parse("https://127.0.0.1:" + std::to_string(port)), get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::connect) << r.error().describe();
}

// --- TLS session resumption ---

// Every answer closes its connection, so each request makes a new one.
void close_every_connection(HttpsTestServer& server) {
  server.set_handler([](const TestRequest&) {
    TestResponse res;
    res.headers.add("Connection", "close");
    res.close_after = true;
    res.body = "ok";
    return res;
  });
}

TEST_F(ClientTest, ANewConnectionResumesTheOriginsTls13Session) {
  HttpsTestServer server(ca);
  close_every_connection(server);
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin("localhost"));
  for (std::size_t i = 1; i <= 3; ++i) {
    const Result r = fetch(client, origin, get());
    ASSERT_TRUE(r.ok()) << kind_of(r);
    EXPECT_EQ(r.response().body, "ok");
    EXPECT_EQ(server.connections(), i);
    // The first handshake is a full one; each later one resumes the ticket
    // the previous connection was given (a ticket is used once).
    EXPECT_EQ(server.resumed_handshakes(), i - 1);
  }
  EXPECT_EQ(server.tickets_offered(), 2u);
  EXPECT_EQ(server.received().at(2).sni, "localhost");
}

TEST_F(ClientTest, ANewConnectionResumesATls12SessionById) {
  HttpsTestServer server(ca, {.resumption = HttpsTestServer::Resumption::session_ids});
  close_every_connection(server);
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin());
  for (std::size_t i = 1; i <= 3; ++i) {
    const Result r = fetch(client, origin, get());
    ASSERT_TRUE(r.ok()) << kind_of(r);
    // One session serves both later connections, though each ended without a close_notify.
    EXPECT_EQ(server.resumed_handshakes(), i - 1);
  }
  EXPECT_EQ(server.tickets_offered(), 0u);
}

TEST_F(ClientTest, AnotherHostNameOfTheSameServerIsNotOfferedTheSession) {
  // The server would accept its own ticket under either name; only the
  // client's origin check keeps 127.0.0.1's session from "localhost".
  HttpsTestServer server(ca);
  close_every_connection(server);
  Client client(ioc.get_executor(), options());
  ASSERT_TRUE(fetch(client, Url::parse(server.origin("127.0.0.1")), get()).ok());
  const Url by_name = Url::parse(server.origin("localhost"));
  const Result first = fetch(client, by_name, get());
  ASSERT_TRUE(first.ok()) << kind_of(first);
  EXPECT_EQ(server.tickets_offered(), 0u);
  EXPECT_EQ(server.resumed_handshakes(), 0u);
  const Result again = fetch(client, by_name, get());
  ASSERT_TRUE(again.ok()) << kind_of(again);
  EXPECT_EQ(server.resumed_handshakes(), 1u);  // its own session, from its own handshake
}

TEST_F(ClientTest, AnotherPortIsNotOfferedTheSession) {
  HttpsTestServer first(ca);
  HttpsTestServer second(ca);
  close_every_connection(first);
  close_every_connection(second);
  Client client(ioc.get_executor(), options());
  const Url first_origin = Url::parse(first.origin("localhost"));
  const Url second_origin = Url::parse(second.origin("localhost"));
  ASSERT_TRUE(fetch(client, first_origin, get()).ok());
  ASSERT_TRUE(fetch(client, second_origin, get()).ok());
  EXPECT_EQ(second.tickets_offered(), 0u);
  ASSERT_TRUE(fetch(client, second_origin, get()).ok());
  ASSERT_TRUE(fetch(client, first_origin, get()).ok());
  EXPECT_EQ(second.tickets_offered(), 1u);
  EXPECT_EQ(second.resumed_handshakes(), 1u);
  EXPECT_EQ(first.tickets_offered(), 1u);
  EXPECT_EQ(first.resumed_handshakes(), 1u);  // the first origin's session waited for it
}

TEST_F(ClientTest, SessionsStayWithinTheirTlsContext) {
  // Another TlsContext may trust other CAs: it never resumes a session the
  // first one verified. Clients that share one TlsContext share its sessions.
  HttpsTestServer server(ca);
  close_every_connection(server);
  const Url origin = Url::parse(server.origin("localhost"));
  auto shared = std::make_shared<TlsContext>(ca_file.path());
  Client first(ioc.get_executor(), options(), shared);
  Client other_context(ioc.get_executor(), options());
  ASSERT_TRUE(fetch(first, origin, get()).ok());
  ASSERT_TRUE(fetch(other_context, origin, get()).ok());
  EXPECT_EQ(server.tickets_offered(), 0u);
  Client same_context(ioc.get_executor(), options(), shared);
  ASSERT_TRUE(fetch(same_context, origin, get()).ok());
  EXPECT_EQ(server.tickets_offered(), 1u);
  EXPECT_EQ(server.resumed_handshakes(), 1u);
}

TEST_F(ClientTest, AServerThatRefusesResumptionGetsAFullHandshake) {
  HttpsTestServer server(ca, {.resumption = HttpsTestServer::Resumption::refused});
  close_every_connection(server);
  Client client(ioc.get_executor(), options());
  const Url origin = Url::parse(server.origin("localhost"));
  for (std::size_t i = 1; i <= 3; ++i) {
    const Result r = fetch(client, origin, get());
    ASSERT_TRUE(r.ok()) << kind_of(r);
    EXPECT_EQ(r.response().body, "ok");
  }
  EXPECT_EQ(server.tickets_offered(), 2u);  // offered each time, declined each time
  EXPECT_EQ(server.resumed_handshakes(), 0u);
  EXPECT_EQ(server.connections(), 3u);
}

// --- proxy ---

ProxySettings::Environment environment(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST_F(ClientTest, TunnelsThroughAConnectProxy) {
  HttpsTestServer server(ca);
  ConnectTestProxy proxy;
  auto o = options();
  o.proxy = ProxySettings::from_environment(environment({{"HTTPS_PROXY", proxy.url()}}));
  Client client(ioc.get_executor(), o);
  const Url origin = Url::parse(server.origin("localhost"));
  for (int i = 0; i < 2; ++i) {
    const Result r = fetch(client, origin, get());
    ASSERT_TRUE(r.ok()) << kind_of(r);
  }
  EXPECT_EQ(proxy.connects(), 1u);  // the tunnel is a pooled connection like any other
  ASSERT_EQ(proxy.targets().size(), 1u);
  EXPECT_EQ(proxy.targets()[0], "localhost:" + std::to_string(server.port()));
  EXPECT_EQ(server.received().at(0).sni, "localhost");  // TLS runs end to end
}

// api.example.test is reached through a proxy that tunnels every name to the
// server on loopback: the handshake and the name check are the real ones.
TEST_F(ClientTest, AWildcardMatchesAWholeLabelOnly) {
  const auto fetch_via_proxy = [&](const std::string& certificate_name) {
    HttpsTestServer server(ca, {.names = {certificate_name}});
    ConnectTestProxy proxy(0, server.port());
    auto o = options();
    o.proxy = ProxySettings::from_environment(environment({{"HTTPS_PROXY", proxy.url()}}));
    Client client(ioc.get_executor(), o);
    return fetch(client, Url::parse("https://api.example.test:" + std::to_string(server.port())),
                 get());
  };
  const Result full = fetch_via_proxy("*.example.test");
  EXPECT_TRUE(full.ok()) << kind_of(full);

  const Result partial = fetch_via_proxy("ap*.example.test");
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().kind, Kind::tls_verify) << partial.error().describe();
  EXPECT_NE(partial.error().message.find("hostname mismatch"), std::string::npos)
      << partial.error().message;
}

TEST_F(ClientTest, NoProxyBypassesTheProxy) {
  HttpsTestServer server(ca);
  ConnectTestProxy proxy;
  auto o = options();
  o.proxy = ProxySettings::from_environment(
      environment({{"https_proxy", proxy.url()}, {"NO_PROXY", "example.com, localhost"}}));
  Client client(ioc.get_executor(), o);
  const Result r = fetch(client, Url::parse(server.origin("localhost")), get());
  ASSERT_TRUE(r.ok()) << kind_of(r);
  EXPECT_EQ(proxy.connects(), 0u);
  EXPECT_EQ(server.requests(), 1u);
}

TEST_F(ClientTest, ProxyRefusalIsAProxyErrorWithItsStatus) {
  HttpsTestServer server(ca);
  ConnectTestProxy proxy(403);
  auto o = options();
  o.proxy = ProxySettings::from_environment(environment({{"HTTPS_PROXY", proxy.url()}}));
  Client client(ioc.get_executor(), o);
  const Result r = fetch(client, Url::parse(server.origin()), get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::proxy) << r.error().describe();
  EXPECT_EQ(r.error().proxy_status, 403);
  EXPECT_FALSE(r.error().request_sent);
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(ClientTest, UnreachableProxyIsAProxyError) {
  HttpsTestServer server(ca);
  std::string dead_proxy;
  {
    ConnectTestProxy gone;
    dead_proxy = gone.url();
  }
  auto o = options();
  o.proxy = ProxySettings::from_environment(environment({{"HTTPS_PROXY", dead_proxy}}));
  Client client(ioc.get_executor(), o);
  const Result r = fetch(client, Url::parse(server.origin()), get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, Kind::proxy) << r.error().describe();
  EXPECT_EQ(r.error().step, Step::connect);
  EXPECT_EQ(server.connections(), 0u);
}

TEST_F(ClientTest, MalformedRequestIsAProgrammingError) {
  Client client(ioc.get_executor(), options());
  Request bad = get("/x");
  bad.headers.set("X-Evil", "a\r\nInjected: 1");
  EXPECT_THROW(fetch(client, Url::parse("https://127.0.0.1:1"), bad), std::invalid_argument);
  EXPECT_THROW(fetch(client, Url::parse("https://127.0.0.1:1"), get("no-slash")),
               std::invalid_argument);
  Request framing = get("/x");
  framing.headers.set("Content-Length", "5");
  EXPECT_THROW(fetch(client, Url::parse("https://127.0.0.1:1"), framing), std::invalid_argument);
}

}  // namespace
}  // namespace keapsync::http
