// Helpers shared by the commands.
#include "command.hpp"

#include <pqxx/except>

#include "config/config_loader.hpp"
#include "exit_codes.hpp"

namespace keapsync::cli {

config::Config load_config(const Arguments& args) {
  const std::string path = args.value("--config").value_or(kDefaultConfigPath);
  auto result = config::load_config(path, config::process_environment());
  if (!result.config) {
    std::string message;
    for (const auto& e : result.errors)
      message += (message.empty() ? "" : "\n") + e.to_string();
    throw CommandFailed(kExitConfig, message);
  }
  return std::move(*result.config);
}

std::unique_ptr<pqxx::connection> connect_database(const config::Config& config) {
  try {
    return std::make_unique<pqxx::connection>(config.database.url);
  } catch (const pqxx::broken_connection& e) {
    std::string why = e.what();
    while (!why.empty() && why.back() == '\n')
      why.pop_back();
    throw CommandFailed(kExitUnavailable, "cannot connect to the database (database.url): " + why);
  }
}

}  // namespace keapsync::cli
