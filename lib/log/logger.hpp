// The structured logger every layer writes through: one message plus fields,
// rendered as one JSON object per line or as readable text, secrets scrubbed.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "log/field.hpp"

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace keapsync::log {

class Logger {
 public:
  using Fields = std::initializer_list<Field>;

  Logger(std::shared_ptr<spdlog::logger> impl, config::LogFormat format);

  void trace(std::string_view msg, Fields fields = {}) const;
  void debug(std::string_view msg, Fields fields = {}) const;
  void info(std::string_view msg, Fields fields = {}) const;
  void warn(std::string_view msg, Fields fields = {}) const;
  void error(std::string_view msg, Fields fields = {}) const;
  void log(config::LogLevel level, std::string_view msg, Fields fields) const;

  // A logger that adds `fields` (e.g. the account) to every line.
  Logger with(Fields fields) const;

  bool enabled(config::LogLevel level) const;
  // Changes the level of this logger and of every logger made from it by with().
  void set_level(config::LogLevel level) const;
  void flush() const;

 private:
  std::shared_ptr<spdlog::logger> impl_;
  config::LogFormat format_;
  std::string context_;  // pre-rendered fields of with()
};

// A logger writing to stdout, or to `sink` when given (tests capture lines so).
Logger make_logger(const config::LogConfig& config,
                   std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

}  // namespace keapsync::log
