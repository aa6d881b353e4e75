// A secret value (token, key, client secret). It cannot be streamed or
// formatted; every Secret registers its value so that the log layer scrubs it
// from any line, whatever a call site does with reveal().
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
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

// A secret file that cannot be used; the message names the file and the fix.
class SecretFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A key, a client secret or a token is far smaller; a bigger file is a wrong path.
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// Reads a secret from a file (trailing newlines dropped). A relative path is
// looked up in $CREDENTIALS_DIRECTORY (systemd LoadCredential=) when set.
// Throws SecretFileError naming the path and the fix when it cannot be read,
// is empty, is over kMaxSecretFileBytes, is open to group or others, or is
// owned by a user other than root and this process's.
Secret read_secret_file(const std::string& path);

// The same checks, the file's bytes as they are (a raw key may end in a line
// feed), not registered for scrubbing; the caller wipes them after use.
std::string read_secret_bytes(const std::string& path);

// The path read_secret_file would open.
std::string resolve_secret_path(const std::string& path);

// Every secret value seen by this process (bounded: the oldest tokens go
// first), as one immutable list that is only rebuilt after a new value: the
// log scrubs each line with it without copying it.
std::shared_ptr<const std::vector<std::string>> registered_secrets();

}  // namespace keapsync::config
