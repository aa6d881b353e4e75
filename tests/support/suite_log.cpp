// Files under $TEST_LOG_DIR, one output file and one secrets file
// (NUL-separated) per test process, appended to (tests run in parallel).
#include "support/suite_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace keapsync::testing {
namespace {

std::mutex mutex;

// DIR/<sub>/<test program>-<pid>, or "" when no log directory is set.
std::string file_in(const char* sub) {
  const char* dir = std::getenv("TEST_LOG_DIR");
  if (dir == nullptr || *dir == '\0') return "";
  const auto folder = std::filesystem::path(dir) / sub;
  std::filesystem::create_directories(folder);
  return (folder / (std::string(program_invocation_short_name) + "-" + std::to_string(::getpid())))
      .string();
}

void append(const std::string& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot append to " + file);
}

}  // namespace

void keep_output(std::string_view command, std::string_view output) {
  std::lock_guard lock(mutex);
  const auto file = file_in("output");
  if (file.empty() || output.empty()) return;
  append(file, "==> " + std::string(command) + "\n");
  append(file, output);
  if (output.back() != '\n') append(file, "\n");
}

void record_secret(std::string_view value) {
  if (value.size() < 8) {
    throw std::invalid_argument("record_secret: a test secret needs at least 8 bytes");
  }
  std::lock_guard lock(mutex);
  const auto file = file_in("secrets");
  if (file.empty()) return;
  append(file, value);
  append(file, std::string_view("\0", 1));
}

}  // namespace keapsync::testing
