// Wall-clock time as the database layer reads and writes it. Token times are
// passed in by callers (tests drive them without sleeping); outbox leases and
// retry waits are counted by the database's own clock instead, the one clock
// every daemon shares.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace keapsync::db {

using Timestamp = std::chrono::system_clock::time_point;

// Microseconds since the epoch, the form SQL statements take (keapsync.us_to_ts).
inline std::int64_t to_micros(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

inline Timestamp from_micros(std::int64_t us) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::microseconds(us)));
}

// "2026-11-28T00:47:38Z": UTC to the second, as Keap's v2 API and keapsync's
// JSON outputs write times.
std::string iso_time(Timestamp t);

}  // namespace keapsync::db
