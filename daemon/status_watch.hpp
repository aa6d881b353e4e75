// `keapsync status --watch`: one live progress line for a running daemon, from
// the database (pending and dead rows, always fresh) and the daemon's
// /status.json on `listen` (rows delivered and Keap requests since it started,
// and each account's per-minute limit).
#pragma once

#include <pqxx/pqxx>

#include "config/config.hpp"

namespace keapsync::cli {

struct WatchOptions {
  bool until_drained = false;  // return once no row is pending (scripts, the demo)
};

// Prints a line every second (rewritten in place on a terminal, one per second
// otherwise) until interrupted, or until drained. Returns the exit status.
int watch_status(const config::Config& config, pqxx::connection& conn, WatchOptions options);

}  // namespace keapsync::cli
