// Secret values, their files and the process-wide registry the log scrubs with.
#include "config/secret.hpp"

#include <algorithm>
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
  std::vector<std::string> pinned;  // read from files (client secrets, keys): never dropped
  std::deque<std::string> values;   // tokens, newest last
};

Registry& registry() {
  static Registry r;
  return r;
}

void register_secret(const std::string& value, bool pin) {
  if (value.size() < kMinRegisteredLength) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (std::find(r.pinned.begin(), r.pinned.end(), value) != r.pinned.end()) return;
  // Seen again: in use, so it moves to the newest end (or into the pinned
  // ones). The usual case, the header of the current token, is already there.
  if (!pin && !r.values.empty() && r.values.back() == value) return;
  if (const auto it = std::find(r.values.begin(), r.values.end(), value); it != r.values.end())
    r.values.erase(it);
  if (pin) {
    r.pinned.push_back(value);
    return;
  }
  r.values.push_back(value);
  if (r.values.size() > kMaxRegistered) r.values.pop_front();
}

}  // namespace

Secret::Secret(std::string value) : value_(std::move(value)) {
  register_secret(value_, false);
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
  register_secret(value, true);  // read once, used for the process's whole life
  return Secret(std::move(value));
}

std::vector<std::string> registered_secrets() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out = r.pinned;
  out.insert(out.end(), r.values.begin(), r.values.end());
  return out;
}

}  // namespace keapsync::config
