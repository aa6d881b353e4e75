// `keapsync auth`'s loopback listener, driven in-process with short deadlines:
// one request per connection read by Beast's parser, a connection that is
// silent, not HTTP or carries a bad %-escape answered (or cut) and skipped,
// Keap's refusal and a forged state ending the wait, the redirect's code
// returned; and the code of a pasted redirect.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "command.hpp"
#include "exit_codes.hpp"
#include "redirect_listener.hpp"

namespace keapsync::cli {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// What a client got on one connection: the listener's bytes, and whether it closed.
struct Received {
  std::string text;
  bool closed = false;
};

// catch_redirect(state "s1") on its own thread, and clients that talk to it.
class Listener {
 public:
  explicit Listener(RedirectListenerOptions options = {}) {
    asio::co_spawn(io_, catch_redirect(acceptor_, "s1", options),
                   [this](std::exception_ptr e, std::string code) {
                     if (e) {
                       result_.set_exception(e);
                     } else {
                       result_.set_value(std::move(code));
                     }
                   });
    thread_ = std::thread([this] {
      io_.run();
      idle_.set_value();
    });
  }
  ~Listener() {
    io_.stop();
    thread_.join();
  }

  // A connection to the listener.
  tcp::socket connect() {
    tcp::socket socket(client_io_);
    socket.connect(endpoint_);
    return socket;
  }

  // Waits (at most 10 s) until the listener closes `socket`; what it sent meanwhile.
  Received read_to_end(tcp::socket& socket) {
    Received got;
    asio::async_read(socket, asio::dynamic_buffer(got.text),
                     [&](boost::system::error_code ec, std::size_t) {
                       got.closed = ec == asio::error::eof || ec == asio::error::connection_reset;
                     });
    client_io_.restart();
    client_io_.run_for(10s);
    socket.cancel();
    client_io_.restart();
    client_io_.run();
    return got;
  }

  // Sends `bytes` on a new connection; what the listener answered before closing it.
  Received exchange(const std::string& bytes) {
    auto socket = connect();
    asio::write(socket, asio::buffer(bytes));
    return read_to_end(socket);
  }

  // Has catch_redirect ended (with a code or an error)?
  bool ended() { return result_future_.wait_for(0s) == std::future_status::ready; }

  // catch_redirect's code (or its exception), waiting at most 10 s.
  std::string result() {
    if (result_future_.wait_for(10s) != std::future_status::ready) {
      throw std::runtime_error("catch_redirect did not end");
    }
    return result_future_.get();
  }

  // Has the listener's io_context run out of work (no connection left behind) within 10 s?
  bool left_nothing_behind() { return idle_future_.wait_for(10s) == std::future_status::ready; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
  tcp::endpoint endpoint_ = acceptor_.local_endpoint();
  std::promise<std::string> result_;
  std::future<std::string> result_future_ = result_.get_future();
  std::promise<void> idle_;
  std::future<void> idle_future_ = idle_.get_future();
  std::thread thread_;
  asio::io_context client_io_;
};

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(RedirectListener, TheRedirectIsAnswered200AndItsCodeReturned) {
  Listener listener;
  const auto answer = listener.exchange(get("/callback?state=s1&code=c0de%2Fx+y&scope=full"));
  EXPECT_TRUE(answer.closed);
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 200 OK\r\n")) << answer.text;
  EXPECT_NE(answer.text.find("Connection: close\r\n"), std::string::npos) << answer.text;
  EXPECT_NE(answer.text.find("keapsync is authorized"), std::string::npos) << answer.text;
  EXPECT_EQ(listener.result(), "c0de/x y");
  EXPECT_TRUE(listener.left_nothing_behind());
}

TEST(RedirectListener, ASilentConnectionIsCutByTheDeadlineAndTheRedirectAfterItSucceeds) {
  Listener listener({.deadline = 200ms});
  auto silent = listener.connect();
  const auto start = std::chrono::steady_clock::now();
  const auto cut = listener.read_to_end(silent);
  EXPECT_TRUE(cut.closed);
  EXPECT_EQ(cut.text, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // Half a request line, then nothing: cut the same way.
  auto partial = listener.connect();
  asio::write(partial, asio::buffer(std::string("GET /callback?code=c0de&sta")));
  const auto partial_cut = listener.read_to_end(partial);
  EXPECT_TRUE(partial_cut.closed);
  EXPECT_EQ(partial_cut.text, "");
  EXPECT_FALSE(listener.ended());

  const auto answer = listener.exchange(get("/callback?code=c0de&state=s1"));
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 200 OK\r\n")) << answer.text;
  EXPECT_EQ(listener.result(), "c0de");
}

TEST(RedirectListener, ASilentConnectionDoesNotHoldUpTheRedirectAndIsClosedAfterIt) {
  Listener listener({.deadline = 1h});
  auto silent = listener.connect();
  const auto answer = listener.exchange(get("/callback?code=c0de&state=s1"));
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 200 OK\r\n")) << answer.text;
  EXPECT_EQ(listener.result(), "c0de");
  const auto cut = listener.read_to_end(silent);
  EXPECT_TRUE(cut.closed);
  EXPECT_EQ(cut.text, "");
  EXPECT_TRUE(listener.left_nothing_behind());
}

TEST(RedirectListener, ABadPercentEscapeIsAnswered400AndTheWaitGoesOn) {
  Listener listener;
  for (const char* target : {"/callback?code=%zz&state=s1", "/callback?code=c0de%4&state=s1",
                             "/callback?code=c0de&state=s1%", "/callback?error=%g0&state=s1"}) {
    const auto answer = listener.exchange(get(target));
    EXPECT_TRUE(answer.closed) << target;
    EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 400 Bad Request\r\n")) << target << "\n"
                                                                          << answer.text;
    EXPECT_NE(answer.text.find("Connection: close\r\n"), std::string::npos) << answer.text;
    EXPECT_NE(answer.text.find("bad %-escape"), std::string::npos) << answer.text;
    EXPECT_FALSE(listener.ended()) << target;
  }
  const auto answer = listener.exchange(get("/callback?code=c0de&state=s1"));
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 200 OK\r\n")) << answer.text;
  EXPECT_EQ(listener.result(), "c0de");
}

TEST(RedirectListener, GarbageAndOtherRequestsAreAnswered400OrClosedAndTheWaitGoesOn) {
  Listener listener;
  // A TLS ClientHello's first bytes, a word and blank lines, a body on a redirect, the favicon.
  for (const std::string& request :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("hello\r\n\r\n"), std::string("GET\r\n\r\n"),
        std::string("POST /callback?code=c0de&state=s1 HTTP/1.1\r\nHost: x\r\n"
                    "Content-Length: 5\r\n\r\nhello"),
        std::string("PUT /callback?code=c0de&state=s1 HTTP/1.1\r\nHost: x\r\n\r\n"),
        get("/favicon.ico"), get("/callback"), get("/callback?state=s1")}) {
    const auto answer = listener.exchange(request);
    EXPECT_TRUE(answer.closed) << request;
    EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 400 Bad Request\r\n")) << request << "\n"
                                                                          << answer.text;
    EXPECT_FALSE(listener.ended()) << request;
  }
  // Headers over the 16 KiB limit, though the request line is the redirect: never taken.
  const auto large = listener.exchange("GET /callback?code=c0de&state=s1 HTTP/1.1\r\nX-Big: " +
                                       std::string(20 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(large.closed);
  EXPECT_TRUE(large.text.empty() || starts_with(large.text, "HTTP/1.1 400 Bad Request\r\n"))
      << large.text;
  // A client that connects and closes at once.
  listener.connect().close();
  EXPECT_FALSE(listener.ended());

  const auto answer = listener.exchange(get("/callback?code=c0de&state=s1"));
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 200 OK\r\n")) << answer.text;
  EXPECT_EQ(listener.result(), "c0de");
}

TEST(RedirectListener, AWrongOrMissingStateIsRefused) {
  for (const char* target : {"/callback?code=c0de&state=forged", "/callback?code=c0de"}) {
    Listener listener;
    const auto answer = listener.exchange(get(target));
    EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 400 Bad Request\r\n")) << answer.text;
    try {
      listener.result();
      ADD_FAILURE() << target << " was taken";
    } catch (const CommandFailed& e) {
      EXPECT_EQ(e.code, kExitFailure);
      EXPECT_STREQ(e.what(), "the redirect carried a wrong state: refusing it (a forged request?)");
    }
    EXPECT_TRUE(listener.left_nothing_behind());
  }
}

TEST(RedirectListener, KeapsErrorEndsTheWaitWithItsTextMadePrintable) {
  Listener listener;
  const auto answer = listener.exchange(
      get("/callback?error=access_denied%1b%5b2J&error_description=denied&state=s1"));
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 400 Bad Request\r\n")) << answer.text;
  try {
    listener.result();
    ADD_FAILURE() << "the error was not reported";
  } catch (const CommandFailed& e) {
    EXPECT_EQ(e.code, kExitFailure);
    EXPECT_STREQ(e.what(), "Keap refused the authorization: access_denied\\x1b[2J");
  }
}

TEST(RedirectListener, ConnectionsOverTheLimitAreClosedUnanswered) {
  Listener listener({.deadline = 2s, .max_connections = 1});
  auto silent = listener.connect();
  const auto refused = listener.exchange(get("/callback?code=c0de&state=s1"));
  EXPECT_TRUE(refused.closed);
  EXPECT_EQ(refused.text, "");
  EXPECT_FALSE(listener.ended());
  EXPECT_TRUE(listener.read_to_end(silent).closed);
  const auto answer = listener.exchange(get("/callback?code=c0de&state=s1"));
  EXPECT_TRUE(starts_with(answer.text, "HTTP/1.1 200 OK\r\n")) << answer.text;
  EXPECT_EQ(listener.result(), "c0de");
}

TEST(PastedRedirect, TheCodeAloneOrTheWholeUrl) {
  EXPECT_EQ(code_from("c0de\n"), "c0de");
  EXPECT_EQ(code_from("c0de \r\n"), "c0de");
  EXPECT_EQ(code_from("https://shop.example/cb?state=x&code=c0de%2Fx+y&scope=full%7Cabc\n"),
            "c0de/x y");
  EXPECT_EQ(code_from("https://shop.example/cb?state=x"), "https://shop.example/cb?state=x");
}

TEST(PastedRedirect, ABadPercentEscapeFailsNamingItsPositionNotTheCode) {
  for (const std::string url :
       {"https://shop.example/cb?state=x&code=secretc0de%zz&scope=full",
        "https://shop.example/cb?code=secretc0de%4", "https://shop.example/cb?code=secretc0de%"}) {
    const auto position = std::to_string(url.find('%') + 1);
    try {
      code_from(url + "\n");
      ADD_FAILURE() << url << " was taken";
    } catch (const CommandFailed& e) {
      EXPECT_EQ(e.code, kExitFailure);
      const std::string message = e.what();
      EXPECT_NE(message.find("the pasted URL has a bad %-escape at position " + position + " "),
                std::string::npos)
          << message;
      EXPECT_EQ(message.find("secretc0de"), std::string::npos) << message;
    }
  }
  // A bad escape elsewhere in the URL is none of the code's business.
  EXPECT_EQ(code_from("https://shop.example/cb?state=%zz&code=c0de"), "c0de");
}

TEST(PastedRedirect, QueryValueFindsTheFirstNamedPair) {
  EXPECT_EQ(query_value("a=1&code=x%41&code=y", "code"), "x%41");
  EXPECT_EQ(query_value("codes=1&code=", "code"), "");
  EXPECT_EQ(query_value("code&x=1", "code"), std::nullopt);
  EXPECT_EQ(query_value("", "code"), std::nullopt);
}

}  // namespace
}  // namespace keapsync::cli
