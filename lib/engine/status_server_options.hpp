// StatusServerOptions: where the status server listens and the limits it enforces.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace keapsync::engine {

struct StatusServerOptions {
  // "host:port" (config key `listen`): an IPv4 literal, "[v6]" literal or "localhost";
  // port 0 picks a free port (StatusServer::port() tells which).
  std::string listen = "127.0.0.1:9464";
  // The endpoints have no authentication, so only loopback addresses are accepted unless this
  // is set (no config key sets it yet: a container publishing the port needs one, see
  // docs/operations.md).
  bool allow_non_loopback = false;
  // From waiting for a request (also an idle keep-alive connection) to having all of it.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(5);
  std::chrono::milliseconds write_timeout = std::chrono::seconds(5);
  std::size_t header_limit = 8 * 1024;  // 431 beyond
  std::size_t body_limit = 1024;        // 413 beyond (our routes take no body)
  std::size_t max_connections = 32;     // further connections are closed at once
};

}  // namespace keapsync::engine
