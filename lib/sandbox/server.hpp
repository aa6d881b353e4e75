// The sandbox's HTTPS server: Beast over TLS, coroutines, keep-alive, a body
// limit and a deadline on every step. It only moves bytes; every decision is
// the Router's. No Beast types leak out of this header.
#pragma once

#include <chrono>
#include <functional>
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
    std::chrono::seconds drain_timeout{5};  // stop(): how long requests in flight may finish
    // Called on a server thread once a request has been handed to the Router
    // (a seam for tests that must act while a request is in flight).
    std::function<void()> on_request;
  };

  // Binds and listens at once (throws std::runtime_error when it cannot).
  Server(Router& router, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;

  void start();  // serves on `threads` threads
  // Stops accepting, lets requests in flight finish (up to drain_timeout;
  // their connections then close), stops and joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keapsync::sandbox
