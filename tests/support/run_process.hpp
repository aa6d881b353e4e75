// Runs a program to completion and captures its exit code, stdout and stderr
// (also kept in the suite's log, support/suite_log.hpp).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace keapsync::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] with `extra_env` added to this process's environment.
// Throws when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& extra_env = {});

}  // namespace keapsync::testing
