// Client: the async HTTPS client (keep-alive pool per host, deadlines, TLS verification, proxy).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>

#include "http/client_options.hpp"
#include "http/request.hpp"
#include "http/result.hpp"
#include "http/tls_context.hpp"
#include "http/url.hpp"

namespace keapsync::http {

class Client {
 public:
  // One Client per io_context, used from that context's one thread (it is not
  // thread-safe). Builds its TlsContext from options.ca_file (may throw).
  Client(boost::asio::any_io_executor executor, ClientOptions options);
  Client(boost::asio::any_io_executor executor, ClientOptions options,
         std::shared_ptr<TlsContext> tls);
  // Closes idle connections; requests still in flight keep the shared state
  // alive until they finish.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` to `origin` (an https Url; only its host and port are
  // used: build the target with origin.join(...)). Yields the Response, any
  // status, or the TransportError that prevented one. An idempotent request
  // (Request::idempotent) on a reused keep-alive connection that turns out
  // closed before any byte of the response is resent once on a new
  // connection; nothing else is ever resent (a POST fails with
  // request_sent = true: it may have been processed). Throws
  // std::invalid_argument for a malformed request (a bug in the caller).
  boost::asio::awaitable<Result> request(const Url& origin, Request request);

  // Closes every idle connection (e.g. on shutdown or after a config reload).
  void close_idle();

  struct PoolStats {
    std::size_t open = 0;     // connections counted against the cap (busy + idle + connecting)
    std::size_t idle = 0;     // kept alive, waiting for reuse
    std::size_t waiting = 0;  // requests queued for a connection
  };
  PoolStats stats(const Url& origin) const;

  const ClientOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace keapsync::http
