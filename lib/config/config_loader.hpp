// Loading a Config from YAML plus KEAPSYNC_* environment overrides, with one
// validation pass that reports every problem with its key and line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace keapsync::config {

using Environment = std::map<std::string, std::string>;

struct LoadResult {
  std::optional<Config> config;     // set when errors is empty
  std::vector<ConfigError> errors;  // in file order, then environment
};

// The KEAPSYNC_* variables of this process.
Environment process_environment();

// Reads and validates the file at `path`, applying `env` overrides:
// KEAPSYNC_<SECTION>_<KEY> (KEAPSYNC_WORKER_CONCURRENCY), KEAPSYNC_<KEY> for
// top-level keys (KEAPSYNC_LISTEN), KEAPSYNC_ACCOUNTS_<NAME>_<KEY> for accounts.
// What parse_config checks beyond the text itself.
struct ParseOptions {
  // Check keap.ca_file is readable and read the secret files. Off only for the
  // fuzz target (fuzz/), which must judge the text alone, never the file system.
  bool check_files = true;
  // Read the secret files (mode, owner, size, content): off for the commands
  // that use none (status, dead, migrate), so they run without access to them.
  bool read_secrets = true;
};

LoadResult load_config(const std::string& path, const Environment& env, ParseOptions options = {});

// The same from text; `source` names it in messages.
LoadResult parse_config(std::string_view yaml, const std::string& source, const Environment& env,
                        ParseOptions options = {});

}  // namespace keapsync::config
