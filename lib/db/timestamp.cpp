// Formatting of wall-clock timestamps.
#include "db/timestamp.hpp"

#include <ctime>

namespace keapsync::db {

std::string iso_time(Timestamp t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace keapsync::db
