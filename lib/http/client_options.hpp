// ClientOptions: deadlines, limits, pool size, trust store and proxy of one http::Client.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "http/proxy_settings.hpp"

namespace keapsync::http {

struct ClientOptions {
  using Duration = std::chrono::milliseconds;

  // One deadline per step; each applies to that step alone.
  Duration resolve_timeout = std::chrono::seconds(5);
  Duration connect_timeout = std::chrono::seconds(5);     // TCP (and the proxy's CONNECT answer)
  Duration handshake_timeout = std::chrono::seconds(10);  // TLS
  Duration write_timeout = std::chrono::seconds(15);      // the whole request
  Duration read_timeout = std::chrono::seconds(30);       // the whole response, headers and body
  // How long a request waits for a connection when the host's pool is full.
  Duration pool_wait_timeout = std::chrono::seconds(10);

  std::size_t body_limit = 8 * 1024 * 1024;  // response body bytes
  std::size_t header_limit = 64 * 1024;      // response header bytes

  // Connections per (host, port), busy or idle; callers beyond it wait.
  std::size_t max_connections_per_host = 4;
  // An idle connection older than this is closed instead of reused.
  Duration idle_timeout = std::chrono::seconds(30);

  // PEM bundle of trusted CAs; empty: the system trust store.
  std::string ca_file;
  // CONNECT proxy (usually ProxySettings::from_process_environment()).
  ProxySettings proxy;

  std::string user_agent = "keapsync";
};

}  // namespace keapsync::http
