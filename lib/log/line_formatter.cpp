// Time and level framing of log lines, and the secret scrubbing every line passes.
#include "log/line_formatter.hpp"

#include <ctime>
#include <memory>
#include <mutex>

#include <spdlog/details/log_msg.h>

#include "config/secret.hpp"
#include "log/json_escape.hpp"

namespace keapsync::log {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// RFC 3339 UTC with milliseconds: 2026-11-27T21:02:46.123Z
std::string timestamp(spdlog::log_clock::time_point tp) {
  const auto since_epoch = tp.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs);
  const std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count()));
  return buf;
}

void replace_all(std::string& line, std::string_view needle) {
  if (needle.empty()) return;
  for (size_t pos = line.find(needle); pos != std::string::npos;
       pos = line.find(needle, pos + kRedacted.size())) {
    line.replace(pos, needle.size(), kRedacted);
  }
}

// What a line is scrubbed of: each secret, and its JSON-escaped form where
// that differs. Made once per change of the registry, not once per line.
std::shared_ptr<const std::vector<std::string>> needles() {
  static std::mutex mutex;
  static std::shared_ptr<const std::vector<std::string>> source;
  static std::shared_ptr<const std::vector<std::string>> made;
  auto secrets = config::registered_secrets();
  std::lock_guard lock(mutex);
  if (secrets != source) {
    auto all = std::make_shared<std::vector<std::string>>();
    for (const auto& secret : *secrets) {
      all->push_back(secret);
      std::string escaped;
      append_json_string(escaped, secret);
      std::string inner = escaped.substr(1, escaped.size() - 2);
      if (inner != secret) all->push_back(std::move(inner));
    }
    made = std::move(all);
    source = std::move(secrets);
  }
  return made;
}

}  // namespace

void scrub_secrets(std::string& line) {
  const auto all = needles();
  for (const auto& needle : *all)
    replace_all(line, needle);
}

void LineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  std::string line;
  line.reserve(msg.payload.size() + 64);
  const std::string_view body(msg.payload.data(), msg.payload.size());
  if (format_ == config::LogFormat::json) {
    line += "{\"ts\":\"";
    line += timestamp(msg.time);
    line += "\",\"level\":\"";
    line += level_name(msg.level);
    line += "\",";
    // The Logger renders a JSON body (`"msg":…,…`); anything else logged
    // straight through spdlog becomes the message.
    if (body.starts_with("\"msg\":")) {
      line += body;
    } else {
      line += "\"msg\":";
      append_json_string(line, body);
    }
    line += "}\n";
  } else {
    line += timestamp(msg.time);
    line += ' ';
    line += level_name(msg.level);
    line += ' ';
    line += body;
    line += '\n';
  }
  scrub_secrets(line);
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> LineFormatter::clone() const {
  return std::make_unique<LineFormatter>(format_);
}

}  // namespace keapsync::log
