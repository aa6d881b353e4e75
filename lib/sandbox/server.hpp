// The sandbox's HTTPS server: Beast over TLS, coroutines, keep-alive, a body
// limit and a deadline on every step. It only moves bytes; every decision is
// the Router's. No Beast types leak out of this header.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace keapsync::sandbox {

class Router;

class Server {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    unsigned short port = 0;      // 0: the kernel picks one; see port()
    std::string certificate_pem;  // chain, leaf first
    std::string private_key_pem;
    unsigned threads = 2;
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds idle_timeout{60};  // between requests on a kept-alive connection
    std::chrono::seconds io_timeout{30};    // reading one request, writing one response
  };

  // Binds and listens at once (throws std::runtime_error when it cannot).
  Server(Router& router, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;

  void start();  // serves on `threads` threads
  void stop();   // stops serving and joins the threads; idempotent

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keapsync::sandbox
