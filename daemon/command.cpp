// Helpers shared by the commands.
#include "command.hpp"

#include <algorithm>
#include <pqxx/except>

#include "config/config_loader.hpp"
#include "db/token_cipher.hpp"
#include "exit_codes.hpp"
#include "http/tls_context.hpp"

namespace keapsync::cli {

config::Config load_config(const Arguments& args, Secrets secrets) {
  const std::string path = args.value("--config").value_or(kDefaultConfigPath);
  auto result = config::load_config(path, config::process_environment(),
                                    {.read_secrets = secrets == Secrets::read});
  if (!result.config) {
    std::string message;
    for (const auto& e : result.errors)
      message += (message.empty() ? "" : "\n") + e.to_string();
    throw CommandFailed(kExitConfig, message);
  }
  return std::move(*result.config);
}

namespace {

std::unique_ptr<pqxx::connection> connect(const std::string& url, const std::string& key) {
  try {
    return std::make_unique<pqxx::connection>(url);
  } catch (const pqxx::broken_connection& e) {
    std::string why = e.what();
    while (!why.empty() && why.back() == '\n')
      why.pop_back();
    throw CommandFailed(kExitUnavailable, "cannot connect to the database (" + key + "): " + why);
  }
}

}  // namespace

std::unique_ptr<pqxx::connection> connect_database(const config::Config& config) {
  return connect(config.database.url, "database.url");
}

std::unique_ptr<pqxx::connection> connect_owner_database(const config::Config& config) {
  if (config.database.migrate_url.empty()) return connect_database(config);
  return connect(config.database.migrate_url, "database.migrate_url");
}

auth::TokenKeys load_token_keys(const config::Config& config, const log::Logger& logger) {
  auth::TokenKeys keys;
  try {
    if (!config.token_encryption_key_file.empty()) {
      keys.current = db::TokenCipher::from_key_file(config.token_encryption_key_file);
    }
    for (const auto& file : config.token_encryption_previous_key_files) {
      keys.previous.push_back(db::TokenCipher::from_key_file(file));
    }
  } catch (const std::exception& e) {
    throw CommandFailed(kExitConfig, std::string("token_encryption_key_file: ") + e.what());
  }
  const bool any_oauth =
      std::any_of(config.accounts.begin(), config.accounts.end(),
                  [](const auto& a) { return a.second.auth == config::AuthKind::oauth; });
  if (!keys.current && any_oauth) {
    logger.warn("token_encryption: none: OAuth tokens are stored unencrypted in the database");
  }
  return keys;
}

http::ClientOptions client_options(const config::Config& config, const log::Logger* logger) {
  http::ClientOptions options;
  options.ca_file = config.keap.ca_file;
  try {
    options.proxy = http::ProxySettings::from_process_environment();
  } catch (const std::invalid_argument& e) {
    throw CommandFailed(kExitConfig, e.what());
  }
  if (logger != nullptr) {
    const auto store = http::TlsContext::trust_store(options.ca_file);
    logger->info("TLS trust store",
                 {{"source", store.source}, {"file", store.file}, {"dir", store.dir}});
  }
  return options;
}

}  // namespace keapsync::cli
