// What changed between the running configuration and a reloaded one.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace keapsync::config {

// The settings that differ between `running` and `loaded`, by section
// ("database", "worker", "keap", "accounts", "listen", "log.format",
// "token_encryption_key_file", "token_encryption_previous_key_files"), in
// that order. log.level is not listed: a reload applies it at once.
std::vector<std::string> changes_needing_restart(const Config& running, const Config& loaded);

}  // namespace keapsync::config
