// A secret value (token, key, client secret). It cannot be streamed or
// formatted; every Secret registers its value so that the log layer scrubs it
// from any line, whatever a call site does with reveal().
#pragma once

#include <string>
#include <vector>

namespace keapsync::config {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value);

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

 private:
  std::string value_;
};

// Reads a secret from a file (trailing newlines dropped). A relative path is
// looked up in $CREDENTIALS_DIRECTORY (systemd LoadCredential=) when set.
// Throws std::runtime_error naming the path when it cannot be read or is empty.
Secret read_secret_file(const std::string& path);

// The path read_secret_file would open.
std::string resolve_secret_path(const std::string& path);

// Every secret value seen by this process (newest last, bounded).
std::vector<std::string> registered_secrets();

}  // namespace keapsync::config
