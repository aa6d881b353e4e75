// ISO 8601 UTC timestamps ("2024-01-10T08:00:00Z") as Keap's v2 API writes them.
#pragma once

#include <chrono>
#include <string>

namespace keapsync::sandbox {

std::string iso_time(std::chrono::system_clock::time_point t);

}  // namespace keapsync::sandbox
