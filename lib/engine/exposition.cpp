// Text exposition format 0.0.4 helpers.
#include "engine/exposition.hpp"

#include <charconv>
#include <cmath>

namespace keapsync::engine::exposition {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    // Whole numbers (counts, epoch seconds) in plain digits: 1700000000, not 1.7e+09.
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(value));
    if (ec == std::errc{}) return std::string(buffer, end);
  }
  // Otherwise the shortest round-trip form: 0.25, 1.5e-09.
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc{}) return "NaN";
  return std::string(buffer, end);
}

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values,
                   const std::pair<std::string_view, std::string_view>* extra) {
  if (names.empty() && extra == nullptr) return;
  out += '{';
  bool first = true;
  auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  };
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i)
    one(names[i], values[i]);
  if (extra != nullptr) one(extra->first, extra->second);
  out += '}';
}

namespace {
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
}  // namespace

bool is_metric_name(std::string_view name) {
  if (name.empty() || !(is_alpha(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!(is_alpha(c) || is_digit(c) || c == ':')) return false;
  }
  return true;
}

bool is_label_name(std::string_view name) {
  if (name.empty() || !is_alpha(name[0]) || name.substr(0, 2) == "__") return false;
  for (char c : name) {
    if (!(is_alpha(c) || is_digit(c))) return false;
  }
  return true;
}

}  // namespace keapsync::engine::exposition
