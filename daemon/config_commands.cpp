// `keapsync check-config`: validates a configuration file.
#include <cstdio>

#include "command.hpp"
#include "config/config_loader.hpp"
#include "db/connection_security.hpp"
#include "exit_codes.hpp"

namespace keapsync::cli {
namespace {

int check_config(const Arguments& args) {
  const config::Config config = load_config(args, Secrets::read);
  std::printf("OK: %zu account(s), database.url set, log %s/%s\n", config.accounts.size(),
              config::to_string(config.log.level), config::to_string(config.log.format));
  for (const auto& [key, url] : {std::pair{"database.url", &config.database.url},
                                 std::pair{"database.migrate_url", &config.database.migrate_url}}) {
    if (url->empty()) continue;  // migrate_url not set
    if (const auto host = db::unverified_remote_host(*url)) {
      std::printf(
          "warning: %s: %s is reached over TCP without sslmode=verify-full, so the\n"
          "  shop's rows and keapsync's tokens can be read or redirected on the way; add\n"
          "  sslmode=verify-full (and sslrootcert=FILE for a private CA) to %s\n",
          key, host->c_str(), key);
    }
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> config_commands() {
  return {{"check-config",
           "validate a configuration file",
           "Reads the file and the KEAPSYNC_* environment overrides exactly as `keapsync run`\n"
           "does, checks every key (unknown keys are errors), and that every *_file secret\n"
           "is readable. Prints OK, or every problem as FILE:LINE:COLUMN: KEY: message.\n"
           "Warns (exit status 0) when database.url or database.migrate_url reaches another\n"
           "host over TCP without sslmode=verify-full.\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
           "\n"
           "Exit status: 0 valid, 78 invalid (EX_CONFIG).\n",
           "keapsync check-config [-c FILE]",
           {kConfigOption},
           check_config}};
}

}  // namespace keapsync::cli
