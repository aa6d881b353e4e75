// The spdlog formatter that frames a rendered body with time and level and
// scrubs every registered secret from the finished line.
#pragma once

#include <spdlog/formatter.h>

#include "config/config.hpp"

namespace keapsync::log {

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(config::LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  config::LogFormat format_;
};

// Replaces every registered secret (raw or JSON-escaped) in `line` by "[REDACTED]".
void scrub_secrets(std::string& line);

}  // namespace keapsync::log
