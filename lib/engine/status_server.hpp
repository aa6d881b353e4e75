// StatusServer: the loopback HTTP/1.1 server of the status page, /status.json, /healthz,
// /readyz and /metrics.
//
// Answers: GET /healthz -> HealthState::liveness(), GET /readyz -> readiness() (200 or 503,
// application/json), GET /metrics -> MetricRegistry::render() (200, text format 0.0.4); with a
// StatusBoard, GET / (and its /status.css, /status.js, status_page.hpp) and GET /status.json
// (StatusBoard::json(), 503 before the first snapshot); another path -> 404; another method on
// these paths -> 405 with "Allow: GET". A query string is ignored. Keep-alive as the client asks
// (HTTP/1.0 closes). Each connection gets read and write deadlines and header/body limits
// (StatusServerOptions); a malformed request gets 400 and a close.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>

#include "engine/health_state.hpp"
#include "engine/metric_registry.hpp"
#include "engine/status_board.hpp"
#include "engine/status_server_options.hpp"

namespace keapsync::engine {

class StatusServer {
 public:
  // Binds and listens at once. Throws std::invalid_argument for a malformed `listen` or a
  // non-loopback address (unless allowed), boost::system::system_error (a std::runtime_error)
  // when the bind fails (port in use).
  // `executor` must not run handlers concurrently (one io_context thread or a strand).
  // `health`, `metrics` and `board` must outlive the executor's handlers: call stop() and let
  // the io_context finish before destroying them. No board: no page and no /status.json.
  StatusServer(boost::asio::any_io_executor executor, StatusServerOptions options,
               const HealthState& health, const MetricRegistry& metrics,
               const StatusBoard* board = nullptr);
  // Calls stop(); destroy the server before its io_context.
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // The bound port (the real one when options.listen asked for port 0).
  std::uint16_t port() const { return port_; }

  // Starts accepting (spawns the accept loop on the executor).
  void start();
  // Closes the listener and every open connection; the coroutines end soon after. Safe from any
  // thread (dispatched to the executor); idempotent.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace keapsync::engine
