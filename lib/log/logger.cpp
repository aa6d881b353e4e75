// Rendering of structured log calls into JSON or text bodies.
#include "log/logger.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "log/json_escape.hpp"
#include "log/line_formatter.hpp"

namespace keapsync::log {
namespace {

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::trace:
      return spdlog::level::trace;
    case config::LogLevel::debug:
      return spdlog::level::debug;
    case config::LogLevel::info:
      return spdlog::level::info;
    case config::LogLevel::warn:
      return spdlog::level::warn;
    case config::LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20 || c == '\x7f' ||
        is_c1_control(v, i))
      return true;
  }
  return false;
}

void append_value(std::string& out, const Field::Value& value, config::LogFormat format) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (format == config::LogFormat::json || needs_quotes(v)) {
            append_json_string(out, v);
          } else {
            out += v;
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isfinite(v)) {
            out += fmt::format("{}", v);
          } else {
            out += "null";
          }
        } else {
          out += std::to_string(v);
        }
      },
      value);
}

void append_fields(std::string& out, Logger::Fields fields, config::LogFormat format) {
  for (const auto& f : fields) {
    if (format == config::LogFormat::json) {
      out += ',';
      append_json_string(out, f.key);
      out += ':';
    } else {
      out += ' ';
      out += f.key;
      out += '=';
    }
    append_value(out, f.value, format);
  }
}

}  // namespace

Logger::Logger(std::shared_ptr<spdlog::logger> impl, config::LogFormat format)
    : impl_(std::move(impl)), format_(format) {}

void Logger::trace(std::string_view msg, Fields fields) const {
  log(config::LogLevel::trace, msg, fields);
}
void Logger::debug(std::string_view msg, Fields fields) const {
  log(config::LogLevel::debug, msg, fields);
}
void Logger::info(std::string_view msg, Fields fields) const {
  log(config::LogLevel::info, msg, fields);
}
void Logger::warn(std::string_view msg, Fields fields) const {
  log(config::LogLevel::warn, msg, fields);
}
void Logger::error(std::string_view msg, Fields fields) const {
  log(config::LogLevel::error, msg, fields);
}

void Logger::set_level(config::LogLevel level) const {
  impl_->set_level(to_spdlog(level));
}

bool Logger::enabled(config::LogLevel level) const {
  return impl_->should_log(to_spdlog(level));
}

void Logger::log(config::LogLevel level, std::string_view msg, Fields fields) const {
  if (!enabled(level)) return;
  std::string body;
  body.reserve(msg.size() + context_.size() + 32 * fields.size() + 8);
  if (format_ == config::LogFormat::json) {
    body += "\"msg\":";
    append_json_string(body, msg);
  } else {
    body += msg;
  }
  body += context_;
  append_fields(body, fields, format_);
  impl_->log(to_spdlog(level), std::string_view(body));
}

Logger Logger::with(Fields fields) const {
  Logger child(*this);
  append_fields(child.context_, fields, format_);
  return child;
}

void Logger::flush() const {
  impl_->flush();
}

Logger make_logger(const config::LogConfig& config, std::shared_ptr<spdlog::sinks::sink> sink) {
  if (!sink) sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto impl = std::make_shared<spdlog::logger>("keapsync", std::move(sink));
  impl->set_formatter(std::make_unique<LineFormatter>(config.format));
  impl->set_level(to_spdlog(config.level));
  impl->flush_on(spdlog::level::info);
  return Logger(std::move(impl), config.format);
}

}  // namespace keapsync::log
