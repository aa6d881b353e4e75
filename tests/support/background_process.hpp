// A program running beside a test (the daemon), its output captured in a
// file; stopped by a signal with a bounded wait, killed at the end otherwise.
// At the end, what it wrote is kept in the suite's log (support/suite_log.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keapsync::testing {

class BackgroundProcess {
 public:
  // Starts argv with stdout and stderr appended to `log_file`.
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_file,
                    const std::map<std::string, std::string>& extra_env = {});
  ~BackgroundProcess();  // SIGKILL if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Sends `signal` and waits up to `timeout`: the exit code, 128+N when killed
  // by signal N, or -1 when it did not exit in time.
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool running();
  int pid() const { return pid_; }

 private:
  std::string command_;
  std::string log_file_;
  std::uintmax_t log_start_ = 0;  // the file's size before this process wrote to it
  int pid_ = -1;
  int status_ = -1;
};

// The whole content of a file ("" when it does not exist).
std::string read_file(const std::string& path);

}  // namespace keapsync::testing
