// What every command of the keapsync executable is made of, and the helpers
// they share (loading the configuration, connecting to the database).
#pragma once

#include <memory>
#include <pqxx/connection>
#include <stdexcept>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "auth/token_keys.hpp"
#include "config/config.hpp"
#include "http/client_options.hpp"
#include "log/logger.hpp"

namespace keapsync::cli {

struct Command {
  std::string name;     // "check-config", "dead list"
  std::string summary;  // one line for `keapsync --help`
  std::string help;     // the whole `--help` text after the usage line
  std::string usage;    // "keapsync dead list [-c FILE] [--account NAME]"
  std::vector<OptionSpec> options;
  int (*run)(const Arguments&);
  // Set instead of `run` by a command that parses its own argv (argv[0] is its name).
  int (*run_raw)(int argc, char** argv) = nullptr;
};

// Ends a command with a message on stderr and an exit code.
class CommandFailed : public std::runtime_error {
 public:
  CommandFailed(int code, const std::string& message) : std::runtime_error(message), code(code) {}
  int code;
};

inline constexpr const char* kDefaultConfigPath = "/etc/keapsync/keapsync.yaml";
inline const OptionSpec kConfigOption{"--config", "-c", true};

// Whether a command reads the secret files (run, auth, check-config) or not.
enum class Secrets { read, skip };

// The configuration named by -c (default /etc/keapsync/keapsync.yaml) with
// KEAPSYNC_* overrides; throws CommandFailed(78) listing every error. With
// Secrets::skip the secret files are not opened (the commands that need none).
config::Config load_config(const Arguments& args, Secrets secrets);

// A connection to database.url; throws CommandFailed(69) when unreachable.
std::unique_ptr<pqxx::connection> connect_database(const config::Config& config);

// A connection as the schema's owner, for migrate: database.migrate_url, or
// database.url when it is not set. Throws CommandFailed(69) when unreachable.
std::unique_ptr<pqxx::connection> connect_owner_database(const config::Config& config);

// The token encryption keys of the configuration; logs a warning when tokens
// would be stored unencrypted. Throws CommandFailed(78) for an unusable key file.
auth::TokenKeys load_token_keys(const config::Config& config, const log::Logger& logger);

// The HTTPS client settings of `config` and the process environment
// (HTTPS_PROXY, NO_PROXY); a bad proxy variable fails with exit 78. Logs the
// trust store in use when `logger` is given.
http::ClientOptions client_options(const config::Config& config, const log::Logger* logger);

// The command tables of each file (commands.cpp joins them).
std::vector<Command> config_commands();
std::vector<Command> database_commands();
std::vector<Command> dead_letter_commands();
std::vector<Command> daemon_commands();
std::vector<Command> auth_commands();

}  // namespace keapsync::cli
