// Parsing and printing of config durations.
#include "config/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

namespace keapsync::config {
namespace {

constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> kUnits{{
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == digits_start) return std::nullopt;
    const size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z')
      ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t scale = 0;
    for (const auto& [name, ms] : kUnits) {
      if (unit == name) scale = ms;
    }
    if (scale == 0) return std::nullopt;
    if (number > std::numeric_limits<std::int64_t>::max() / scale) return std::nullopt;
    if (total > std::numeric_limits<std::int64_t>::max() - number * scale) return std::nullopt;
    total += number * scale;
  }
  return Duration(total);
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (ms >= it->second) {
      out += std::to_string(ms / it->second);
      out += it->first;
      ms %= it->second;
    }
  }
  return out;
}

}  // namespace keapsync::config
