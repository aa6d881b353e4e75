// keapsync status --watch (status_watch.hpp).
#include "status_watch.hpp"

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "config/duration.hpp"
#include "db/outbox_repository.hpp"

namespace keapsync::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

// What the daemon reports, summed over its accounts.
struct DaemonTotals {
  std::int64_t delivered = 0;
  std::int64_t requests = 0;
  double requests_per_second_limit = 0;  // Keap's per-minute limits / 60
};

// GET /status.json from the daemon's `listen` address within a second; nullopt
// when it does not answer (not running, another port, port 0).
std::optional<DaemonTotals> daemon_totals(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || listen.substr(colon + 1) == "0") return std::nullopt;
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(1));
    asio::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve(host, listen.substr(colon + 1)));
    beast::http::request<beast::http::empty_body> request(beast::http::verb::get, "/status.json",
                                                          11);
    request.set(beast::http::field::host, host);
    beast::http::write(stream, request);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> response;
    beast::http::read(stream, buffer, response);
    if (response.result_int() != 200) return std::nullopt;
    const auto status = boost::json::parse(response.body());
    DaemonTotals totals;
    for (const auto& a : status.at("accounts").as_array()) {
      totals.delivered += a.at("delivered").to_number<std::int64_t>();
      totals.requests += a.at("requests").to_number<std::int64_t>();
      totals.requests_per_second_limit +=
          a.at("budget").at("requests_per_minute_limit").to_number<double>() / 60;
    }
    return totals;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return (n < 0 ? "-" : "") + digits;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

int watch_status(const config::Config& config, pqxx::connection& conn, WatchOptions options) {
  const bool terminal = isatty(STDOUT_FILENO) == 1;
  std::optional<DaemonTotals> last;
  auto last_at = Clock::now();
  bool settling = false;  // drained: one more look once the daemon's figures caught up
  for (;;) {
    std::int64_t pending = 0;
    std::int64_t dead = 0;
    std::optional<db::Timestamp> oldest;
    for (const auto& s : db::OutboxRepository(conn).status()) {
      pending += s.pending_rows;
      dead += s.dead_rows;
      if (s.oldest_pending && (!oldest || *s.oldest_pending < *oldest)) oldest = s.oldest_pending;
    }
    if (options.until_drained && pending == 0 && !settling && last) {
      // The daemon publishes its figures every second: the last rows it
      // delivered show there within that.
      settling = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1100));
      continue;
    }
    settling = false;
    const auto now = Clock::now();
    const auto daemon = daemon_totals(config.listen);
    std::string line = "pending " + thousands(pending);
    if (oldest) {
      const auto age = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now() - *oldest);
      line += " (oldest " + config::format_duration(std::max(age, std::chrono::seconds(0))) + ")";
    }
    if (daemon) {
      line += " | delivered " + thousands(daemon->delivered);
      if (last) {
        const double seconds = std::chrono::duration<double>(now - last_at).count();
        const double rows = static_cast<double>(daemon->delivered - last->delivered) / seconds;
        const double calls = static_cast<double>(daemon->requests - last->requests) / seconds;
        line += " | " + fixed(rows) + " rows/s | Keap " + fixed(calls) + " req/s";
        if (daemon->requests_per_second_limit > 0) {
          line += " of " + fixed(daemon->requests_per_second_limit) + " (" +
                  std::to_string(
                      static_cast<int>(100 * calls / daemon->requests_per_second_limit + 0.5)) +
                  " %)";
        }
      }
    } else {
      line += " | daemon not answering on " + config.listen;
    }
    line += " | dead " + thousands(dead);
    std::printf(terminal ? "\r\033[K%s" : "%s\n", line.c_str());
    std::fflush(stdout);
    if (options.until_drained && pending == 0) {
      if (terminal) std::printf("\n");
      return 0;
    }
    last = daemon;
    last_at = now;
    std::this_thread::sleep_until(now + std::chrono::seconds(1));
  }
}

}  // namespace keapsync::cli
