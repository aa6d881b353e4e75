// `keapsync auth`: the first OAuth authorization of an account (loopback
// redirect or a pasted code), importing an existing refresh token, checking
// an API key, and re-sealing stored tokens with a new encryption key.
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/oauth_client.hpp"
#include "command.hpp"
#include "db/token_store.hpp"
#include "exit_codes.hpp"
#include "http/client.hpp"
#include "keap/userinfo.hpp"
#include "redirect_listener.hpp"
#include "terminal_text.hpp"

namespace keapsync::cli {
namespace {

namespace asio = boost::asio;

// Runs one coroutine to completion on `io`, at most `limit`.
template <typename T>
T run_for(asio::io_context& io, asio::awaitable<T> task, std::chrono::seconds limit,
          const char* what) {
  std::optional<T> result;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
  });
  io.restart();
  io.run_for(limit);
  if (error) std::rethrow_exception(error);
  if (!result) throw CommandFailed(kExitFailure, std::string(what) + ": no answer in time");
  return std::move(*result);
}

std::string random_state() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const auto b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string read_input(const std::string& path) {
  if (path == "-") {
    std::stringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  return config::read_secret_file(path).reveal();
}

void print_user(const std::variant<boost::json::object, keap::ApiError>& info) {
  if (const auto* user = std::get_if<boost::json::object>(&info)) {
    auto field = [&](const char* key) {
      const auto* v = user->if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::printf("authorized by %s (%s %s)\n", field("email").c_str(), field("given_name").c_str(),
                field("family_name").c_str());
  } else {
    std::printf("stored, but userinfo failed: %s\n",
                std::get<keap::ApiError>(info).message.c_str());
  }
}

// Replaces the file an imported refresh token came from with the token Keap
// rotated it to (0600, whole or not at all: a new file renamed over it).
void write_back(const std::string& file, const config::Secret& token) {
  const std::string path = config::resolve_secret_path(file);
  const std::string temporary = path + ".keapsync-new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const std::string text = token.reveal() + "\n";
  const bool written = fd >= 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw CommandFailed(kExitFailure,
                        "the imported refresh token is spent and the one Keap "
                        "rotated it to could not be written back to " +
                            path + ": authorize the account again");
  }
}

// The Keap tenant (app) userinfo names, nullopt when it named none.
std::optional<std::string> tenant_of(
    const std::variant<boost::json::object, keap::ApiError>& info) {
  const auto* user = std::get_if<boost::json::object>(&info);
  if (user == nullptr) return std::nullopt;
  const auto* v = user->if_contains("tenant_id");
  if (v == nullptr || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return std::string(v->as_string());
}

const config::AccountConfig& account_of(const config::Config& config, std::string& name) {
  if (name.empty()) {
    if (config.accounts.size() != 1) {
      throw UsageError("name the account with --account NAME (the configuration has several)");
    }
    name = config.accounts.begin()->first;
  }
  const auto it = config.accounts.find(name);
  if (it == config.accounts.end()) {
    throw UsageError("no account \"" + name + "\" under accounts: in the configuration");
  }
  return it->second;
}

int auth(const Arguments& args) {
  const config::Config config = load_config(args, Secrets::read);
  const log::Logger logger = log::make_logger(config.log);
  auto conn = connect_database(config);
  const auth::TokenKeys keys = load_token_keys(config, logger);
  db::TokenStore store(*conn, keys.current, keys.previous);

  if (args.has("--rotate-key")) {
    if (!keys.current) throw UsageError("--rotate-key needs token_encryption_key_file");
    const auto report = store.rotate_key(args.has("--seal-plain"));
    std::printf("tokens re-sealed with key %s: %d row(s) rewritten, %d already current\n",
                keys.current->key_id().c_str(), report.rewritten, report.unchanged);
    for (const auto& account : report.plain) {
      std::printf(
          "account %s: its tokens are stored unencrypted and were left so; if they are "
          "yours, run again with --seal-plain\n",
          printable(account).c_str());
    }
    return kExitOk;
  }

  std::string name = args.value("--account").value_or("");
  const config::AccountConfig& account = account_of(config, name);
  asio::io_context io;
  http::Client client(io.get_executor(), client_options(config, nullptr));
  const auto api_url = http::Url::parse(config.keap.api_url);
  const auto limit = std::chrono::seconds(60);
  // The token endpoint's own deadline, shorter than the wait for it: an answer
  // that arrives in time (Keap has rotated then) is always taken and stored.
  const auto token_call = std::chrono::seconds(50);
  const auto token_deadline = [&] { return std::chrono::steady_clock::now() + token_call; };

  if (account.auth == config::AuthKind::api_key) {
    const auto key = config::read_secret_file(account.api_key_file);
    const auto info = run_for(io, keap::fetch_userinfo(client, api_url, "X-Keap-API-Key", key),
                              limit, "userinfo");
    if (const auto* e = std::get_if<keap::ApiError>(&info)) {
      throw CommandFailed(kExitFailure, "Keap did not accept the key in " + account.api_key_file +
                                            ": " + e->message);
    }
    std::printf("account %s: the API key works; ", name.c_str());
    print_user(info);
    return kExitOk;
  }

  auth::OAuthClient oauth(client, config.keap.token_url, account.client_id,
                          config::read_secret_file(account.client_secret_file));
  auth::TokenResult grant;
  std::optional<config::Secret> imported;
  const auto import_file = args.value("--refresh-token-file");
  if (import_file == "-" && !args.has("--new-tenant") && store.tenant(name)) {
    // A token of another tenant is spent by the refresh that tells whose it
    // is: only a file can take the rotated one back.
    throw UsageError("account " + name +
                     " has a recorded Keap tenant: import the refresh token from a file "
                     "(--refresh-token-file PATH, mode 0600), so that a token of another "
                     "tenant can be written back to it, or pass --new-tenant");
  }
  if (import_file) {
    imported = config::Secret(code_from(read_input(*import_file)));
    grant = run_for(io, oauth.refresh(*imported, token_deadline()), limit, "token endpoint");
  } else {
    std::string code;
    std::string redirect_uri = args.value("--redirect-uri").value_or("");
    if (const auto file = args.value("--code-file")) {
      if (redirect_uri.empty()) {
        throw UsageError("--code-file needs --redirect-uri: the one the code was issued for");
      }
      code = code_from(read_input(*file));
    } else {
      asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
      if (!redirect_uri.empty()) {
        const auto url = http::Url::parse(redirect_uri, true);
        acceptor = asio::ip::tcp::acceptor(io, {asio::ip::make_address("127.0.0.1"), url.port});
      } else {
        redirect_uri =
            "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/callback";
      }
      const std::string state = random_state();
      std::printf(
          "Open this URL in a browser signed in to Keap and approve keapsync:\n%s\n",
          auth::authorize_url(config.keap.authorize_url, account.client_id, redirect_uri, state)
              .c_str());
      std::printf("Waiting for Keap's redirect to %s ...\n", redirect_uri.c_str());
      std::fflush(stdout);
      code =
          run_for(io, catch_redirect(acceptor, state), std::chrono::seconds(600), "authorization");
    }
    grant = run_for(io, oauth.exchange_code(code, redirect_uri, token_deadline()), limit,
                    "token endpoint");
  }
  if (const auto* e = std::get_if<auth::TokenError>(&grant)) {
    throw CommandFailed(kExitFailure, "Keap's token endpoint refused: " + e->message);
  }
  auto& g = std::get<auth::TokenGrant>(grant);
  if (g.refresh_token.empty()) {
    // A refresh that rotates nothing keeps the imported token; a code exchange must yield one.
    if (!imported) {
      throw CommandFailed(kExitFailure,
                          "Keap's token endpoint answered without a refresh_token: keapsync "
                          "could not keep this account alive; authorize again");
    }
    g.refresh_token = *imported;
  }
  if (!g.note.empty()) std::fprintf(stderr, "note: %s\n", g.note.c_str());
  const auto now = std::chrono::system_clock::now();
  // Whose tokens these are, before they are stored: tokens of another Keap app
  // (or of one userinfo did not name) never replace the account's. Its own
  // deadline, inside the wait for it: a slow userinfo never loses the grant.
  std::variant<boost::json::object, keap::ApiError> info = keap::transport_failure("no answer");
  try {
    info = run_for(io,
                   keap::fetch_userinfo(client, api_url, "Authorization",
                                        config::Secret("Bearer " + g.access_token.reveal()),
                                        std::chrono::steady_clock::now() + limit / 2),
                   limit, "userinfo");
  } catch (const std::exception& e) {
    info = keap::transport_failure(e.what());
  }
  db::TenantCheck tenant{.seen = tenant_of(info), .replace = args.has("--new-tenant")};
  // A fresh connection: the first may have idled through the browser's
  // approval (up to 10 min) and been ended by the server meanwhile.
  auto save_conn = connect_database(config);
  const auto recorded = db::TokenStore(*save_conn, keys.current, keys.previous).tenant(name);
  std::int64_t version = 0;
  try {
    version =
        db::TokenStore(*save_conn, keys.current, keys.previous)
            .save(name,
                  db::TokenPair{g.access_token, g.refresh_token, now, now + g.expires_in, g.scope},
                  tenant);
  } catch (const db::TenantMismatch& e) {
    std::string message = e.what();
    if (imported) {
      // The imported token is spent: the rotated one goes back where it came from.
      write_back(*import_file, g.refresh_token);
      message +=
          ". The imported refresh token is spent; the one Keap rotated it to is written "
          "back to " +
          config::resolve_secret_path(*import_file);
    }
    throw CommandFailed(kExitFailure, message);
  }
  if (recorded && tenant.seen != recorded) {
    std::printf(
        "account %s moved from Keap tenant %s: its contact ids and tag ids were forgotten; "
        "restart the daemons (they keep tag ids in memory)\n",
        name.c_str(), recorded->c_str());
  }
  std::printf("account %s: tokens stored (version %lld, access token valid for %llds%s)\n",
              name.c_str(), static_cast<long long>(version),
              static_cast<long long>(g.expires_in.count()),
              tenant.seen ? (", Keap tenant " + *tenant.seen).c_str() : "");
  print_user(info);
  return kExitOk;
}

}  // namespace

std::vector<Command> auth_commands() {
  return {{"auth",
           "authorize an OAuth account, import a refresh token, check a key",
           "auth: oauth accounts — stores the first token pair in the database:\n"
           "  (default)               prints the authorize URL and catches Keap's redirect on\n"
           "                          a loopback listener (http://127.0.0.1:PORT/callback, or\n"
           "                          the port of --redirect-uri); the state is checked\n"
           "  --code-file PATH        reads the code (or the whole redirect URL) from PATH,\n"
           "                          '-' for stdin; needs --redirect-uri\n"
           "  --refresh-token-file PATH  imports an existing refresh token ('-': stdin) and\n"
           "                          proves it by refreshing at once; if Keap's userinfo\n"
           "                          names another tenant, the rotated token is written back\n"
           "The Keap tenant of new tokens is recorded; tokens of another tenant are refused.\n"
           "Files holding a code or a token are secret files: mode 0600, yours or root's.\n"
           "auth: api_key accounts — checks the key in api_key_file with Keap's userinfo.\n"
           "A running daemon notices new tokens by itself (no restart).\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE       configuration file (default /etc/keapsync/keapsync.yaml)\n"
           "  --account NAME          the account (may be left out when there is only one)\n"
           "  --redirect-uri URI      the redirect URI registered for your Keap app\n"
           "  --rotate-key            re-seal every stored token with token_encryption_key_file\n"
           "                          (previous keys from token_encryption_previous_key_files)\n"
           "  --seal-plain            with --rotate-key: seal unencrypted rows too (stored\n"
           "                          under token_encryption: none; refused while a key is set)\n"
           "  --new-tenant            store tokens of another Keap tenant (app) than the\n"
           "                          account's current ones (refused without it)\n"
           "Secrets are never taken from the command line.\n"
           "\n"
           "Exit status: 0 done, 1 failed, 64 bad command line, 69 database unreachable,\n"
           "78 bad configuration.\n",
           "keapsync auth [-c FILE] [--account NAME] [--code-file PATH --redirect-uri URI | "
           "--refresh-token-file PATH | --rotate-key [--seal-plain]] [--new-tenant]",
           {kConfigOption,
            {"--account", "", true},
            {"--code-file", "", true},
            {"--redirect-uri", "", true},
            {"--refresh-token-file", "", true},
            {"--rotate-key", "", false},
            {"--seal-plain", "", false},
            {"--new-tenant", "", false}},
           auth}};
}

}  // namespace keapsync::cli
