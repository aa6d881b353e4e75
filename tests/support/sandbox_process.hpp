// `keapsync sandbox` as a separate process for tests (sandbox, daemon, demo):
// started on port 0 with its own CA in a temporary directory; the port comes
// from its first line of output; stopped by signal with a bounded wait.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace keapsync::testing {

class SandboxProcess {
 public:
  struct Options {
    std::string binary;       // the keapsync executable (tests have KEAPSYNC_BINARY)
    std::string config_yaml;  // written to DIR/sandbox.yaml and passed as --config when not empty
    std::vector<std::string> extra_args;  // e.g. {"--state", path}
    std::string dir;  // working directory; a fresh temporary one when empty (removed at the end)
    std::chrono::milliseconds start_timeout{20000};
  };

  // Throws std::runtime_error when the process does not report its port in time.
  explicit SandboxProcess(Options options);
  ~SandboxProcess();  // SIGKILL if still running; removes a temporary dir
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  unsigned short port() const { return port_; }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string ca_file() const { return dir_ + "/tls/ca.pem"; }  // trust this one
  const std::string& dir() const { return dir_; }

  // Sends `signal` and waits up to `timeout`; the exit code (128+N when killed
  // by signal N), or -1 when it did not exit in time.
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::milliseconds{10000});

 private:
  int pid_ = -1;
  int out_ = -1;
  unsigned short port_ = 0;
  std::string dir_;
  bool own_dir_ = false;
};

// The first line a child writes to `fd`, or "" when none arrives in time.
std::string read_first_line(int fd, std::chrono::milliseconds timeout);

}  // namespace keapsync::testing
