// One problem found in a configuration: the key, where it came from, what is wrong.
#pragma once

#include <string>

namespace keapsync::config {

struct ConfigError {
  std::string key;      // dotted path, e.g. "worker.concurrency"
  std::string where;    // "FILE:LINE:COLUMN", "environment KEAPSYNC_X" or "FILE"
  std::string message;  // what is wrong and what is expected

  // "FILE:3:16: worker.concurrency: expected an integer from 1 to 256, got "lots""
  std::string to_string() const;
};

}  // namespace keapsync::config
