// Secret values, their files and the process-wide registry the log scrubs with.
#include "config/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace keapsync::config {
namespace {

// Rotated tokens keep arriving for years; keep the newest ones only.
constexpr size_t kMaxRegistered = 4096;
// Shorter values would scrub ordinary words out of log lines.
constexpr size_t kMinRegisteredLength = 6;

struct Registry {
  std::mutex mutex;
  std::vector<std::string> pinned;        // read from files (client secrets, keys): never dropped
  std::deque<std::string> values;         // tokens, oldest first
  std::unordered_set<std::string> known;  // pinned and values: each request's header is one
  std::shared_ptr<const std::vector<std::string>> snapshot;  // what the log scrubs; null: stale
};

Registry& registry() {
  static Registry r;
  return r;
}

void register_secret(const std::string& value, bool pin) {
  if (value.size() < kMinRegisteredLength) return;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (r.known.contains(value)) {
    // Seen again (the usual case: the header of the current token): nothing to
    // change, unless a token's value is now read from a file for good.
    if (!pin || std::find(r.pinned.begin(), r.pinned.end(), value) != r.pinned.end()) return;
    r.values.erase(std::find(r.values.begin(), r.values.end(), value));
    r.pinned.push_back(value);
    r.snapshot.reset();
    return;
  }
  r.known.insert(value);
  if (pin) {
    r.pinned.push_back(value);
  } else {
    r.values.push_back(value);
    if (r.values.size() > kMaxRegistered) {
      r.known.erase(r.values.front());
      r.values.pop_front();
    }
  }
  r.snapshot.reset();
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

namespace {

// Closes a descriptor on every path out of read_secret_file.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A file in $CREDENTIALS_DIRECTORY on a read-only file system: systemd's
// LoadCredential= copy (newer systemd grants the service user an ACL, which
// shows as group bits) or a container runtime's secret mount (Kubernetes'
// files are root's and group-readable). Its modes are theirs, not the operator's.
bool managed_credential(const std::string& path, int fd) {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0') return false;
  const std::string prefix = std::string(dir) + "/";
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  struct statvfs fs {};
  return ::fstatvfs(fd, &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

// Refuses what ssh refuses for a private key: a file others may read or
// change, or one another user owns (root may own it: /etc/keapsync is
// root's), unless systemd or a container runtime manages it.
void check_secret_file(const std::string& path, const struct stat& st, int fd) {
  if (!S_ISREG(st.st_mode)) throw SecretFileError("secret file " + path + " is not a regular file");
  if (st.st_size > static_cast<off_t>(kMaxSecretFileBytes)) {
    throw SecretFileError("secret file " + path + " holds " + std::to_string(st.st_size) +
                          " bytes, more than a secret's " + std::to_string(kMaxSecretFileBytes) +
                          "; is it the right file?");
  }
  if (managed_credential(path, fd)) return;
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw SecretFileError("secret file " + path + " is open to group or others (mode " +
                          octal_mode(st.st_mode) + "); fix: chmod 600 " + path);
  }
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me) {
    throw SecretFileError("secret file " + path + " is owned by uid " + std::to_string(st.st_uid) +
                          ", neither root nor this user (uid " + std::to_string(me) +
                          "); fix: run keapsync as its owner (runuser -u OWNER -- keapsync ...), "
                          "or hand it over with systemd's LoadCredential=");
  }
}

}  // namespace

std::string read_secret_bytes(const std::string& path) {
  const std::string resolved = resolve_secret_path(path);
  // Non-blocking: a FIFO at the path must not hang the process before it is refused.
  FileDescriptor file{::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
  if (file.fd < 0) {
    throw SecretFileError("cannot read secret file " + resolved + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    throw SecretFileError("cannot read secret file " + resolved + ": " + std::strerror(errno));
  }
  check_secret_file(resolved, st, file.fd);
  // One byte over the cap tells a file that grew since fstat from one that fits.
  std::string value(kMaxSecretFileBytes + 1, '\0');
  std::size_t size = 0;
  while (size < value.size()) {
    const ssize_t n = ::read(file.fd, value.data() + size, value.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw SecretFileError("cannot read secret file " + resolved + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  if (size > kMaxSecretFileBytes) {
    throw SecretFileError("secret file " + resolved + " is larger than a secret's " +
                          std::to_string(kMaxSecretFileBytes) + " bytes; is it the right file?");
  }
  value.resize(size);
  return value;
}

Secret read_secret_file(const std::string& path) {
  std::string value = read_secret_bytes(path);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  if (value.empty()) {
    throw SecretFileError("secret file " + resolve_secret_path(path) + " is empty");
  }
  register_secret(value, true);  // read once, used for the process's whole life
  return Secret(std::move(value));
}

std::shared_ptr<const std::vector<std::string>> registered_secrets() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (!r.snapshot) {
    auto all = std::make_shared<std::vector<std::string>>(r.pinned);
    all->insert(all->end(), r.values.begin(), r.values.end());
    r.snapshot = std::move(all);
  }
  return r.snapshot;
}

}  // namespace keapsync::config
