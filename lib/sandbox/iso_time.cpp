// ISO 8601 formatting for sandbox timestamps.
#include "sandbox/iso_time.hpp"

#include <ctime>

namespace keapsync::sandbox {

std::string iso_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace keapsync::sandbox
