// `keapsync check-config`: validates a configuration file.
#include <cstdio>

#include "command.hpp"
#include "config/config_loader.hpp"
#include "exit_codes.hpp"

namespace keapsync::cli {
namespace {

int check_config(const Arguments& args) {
  const config::Config config = load_config(args);
  std::printf("OK: %zu account(s), database.url set, log %s/%s\n", config.accounts.size(),
              config::to_string(config.log.level), config::to_string(config.log.format));
  return kExitOk;
}

}  // namespace

std::vector<Command> config_commands() {
  return {{"check-config",
           "validate a configuration file",
           "Reads the file and the KEAPSYNC_* environment overrides exactly as `keapsync run`\n"
           "does, checks every key (unknown keys are errors), and that every *_file secret\n"
           "is readable. Prints OK, or every problem as FILE:LINE:COLUMN: KEY: message.\n"
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
