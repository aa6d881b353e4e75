// Secret values, their files and the process-wide registry the log scrubs with.
#include "config/secret.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace keapsync::config {
namespace {

// Rotated tokens keep arriving for years; keep the newest ones only.
constexpr size_t kMaxRegistered = 4096;
// Shorter values would scrub ordinary words out of log lines.
constexpr size_t kMinRegisteredLength = 6;

struct Registry {
  std::mutex mutex;
  std::deque<std::string> values;
};

Registry& registry() {
  static Registry r;
  return r;
}

void register_secret(const std::string& value) {
  if (value.size() < kMinRegisteredLength) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& v : r.values) {
    if (v == value) return;
  }
  r.values.push_back(value);
  if (r.values.size() > kMaxRegistered) r.values.pop_front();
}

}  // namespace

Secret::Secret(std::string value) : value_(std::move(value)) {
  register_secret(value_);
}

std::string resolve_secret_path(const std::string& path) {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (!path.empty() && path.front() != '/' && dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/" + path;
  }
  return path;
}

Secret read_secret_file(const std::string& path) {
  const std::string resolved = resolve_secret_path(path);
  std::ifstream in(resolved, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read secret file " + resolved + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  if (value.empty()) throw std::runtime_error("secret file " + resolved + " is empty");
  return Secret(std::move(value));
}

std::vector<std::string> registered_secrets() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return {r.values.begin(), r.values.end()};
}

}  // namespace keapsync::config
