// Wall-clock time as the database layer takes it: callers pass "now" in, so
// tests drive time without sleeping and the database clock never decides.
#pragma once

#include <chrono>
#include <cstdint>

namespace keapsync::db {

using Timestamp = std::chrono::system_clock::time_point;

// Microseconds since the epoch, the form SQL statements take (keapsync.us_to_ts).
inline std::int64_t to_micros(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

inline Timestamp from_micros(std::int64_t us) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::microseconds(us)));
}

}  // namespace keapsync::db
