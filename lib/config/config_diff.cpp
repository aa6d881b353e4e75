// Section-wise comparison (the structs compare with defaulted ==).
#include "config/config_diff.hpp"

namespace keapsync::config {

std::vector<std::string> changes_needing_restart(const Config& running, const Config& loaded) {
  std::vector<std::string> changed;
  const auto note = [&](bool differs, const char* name) {
    if (differs) changed.emplace_back(name);
  };
  // migrate_url is only read by `keapsync migrate`.
  note(running.database.url != loaded.database.url, "database");
  note(running.worker != loaded.worker, "worker");
  note(running.keap != loaded.keap, "keap");
  note(running.accounts != loaded.accounts, "accounts");
  note(running.listen != loaded.listen || running.listen_allow_remote != loaded.listen_allow_remote,
       "listen");
  note(running.log.format != loaded.log.format, "log.format");
  note(running.token_encryption != loaded.token_encryption, "token_encryption");
  note(running.token_encryption_key_file != loaded.token_encryption_key_file,
       "token_encryption_key_file");
  note(running.token_encryption_previous_key_files != loaded.token_encryption_previous_key_files,
       "token_encryption_previous_key_files");
  return changed;
}

}  // namespace keapsync::config
