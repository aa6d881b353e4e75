// Durations written in config files: "250ms", "30s", "5m", "1h", "7d", or a sum like "1h30m".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace keapsync::config {

using Duration = std::chrono::milliseconds;

// Parses a duration; nullopt when the text is not one (no unit, bad number, overflow).
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact spelling of a duration, e.g. "90s" -> "1m30s".
std::string format_duration(Duration d);

}  // namespace keapsync::config
