// YAML → Config: environment overrides, typed reads, unknown-key detection and
// validation, every problem reported with its key and its line.
#include "config/config_loader.hpp"
#include "ascii/edit_distance.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include "ascii/ascii.hpp"
#include "config/secret.hpp"
#include "http/url.hpp"

extern char** environ;

namespace keapsync::config {
namespace {

constexpr std::string_view kEnvPrefix = "KEAPSYNC_";

// The schema: sections and the keys each accepts (used for unknown keys,
// suggestions and environment mapping).
const std::map<std::string, std::vector<std::string>>& section_keys() {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"database", {"url", "migrate_url"}},
      {"log", {"level", "format"}},
      {"worker",
       {"concurrency", "poll_interval", "max_attempts", "shutdown_timeout", "lease_duration",
        "batch_size", "max_rows_per_contact", "retry_initial", "retry_max"}},
      {"keap", {"api_url", "token_url", "authorize_url", "ca_file", "token_refresh_fraction"}},
  };
  return keys;
}
const std::vector<std::string> kTopScalars{"listen", "listen_allow_remote", "token_encryption",
                                           "token_encryption_key_file"};
const std::vector<std::string> kTopKeys{"database",
                                        "log",
                                        "worker",
                                        "keap",
                                        "listen",
                                        "listen_allow_remote",
                                        "token_encryption",
                                        "token_encryption_key_file",
                                        "token_encryption_previous_key_files",
                                        "accounts"};
const std::vector<std::string> kAccountKeys{"auth",
                                            "client_id",
                                            "client_secret_file",
                                            "api_key_file",
                                            "create_missing_tags",
                                            "concurrency",
                                            "requests_per_minute",
                                            "requests_per_second",
                                            "requests_per_day"};

std::string suggestion(const std::string& key, const std::vector<std::string>& allowed) {
  std::string best;
  size_t best_distance = 3;
  for (const auto& candidate : allowed) {
    const size_t d = ascii::edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

// 0.1 → "0.1", 0.95 → "0.95": the shortest form that reads back the same.
std::string format_number(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "\"" + node.Scalar() + "\"";
  }
}

// Reads typed values out of the tree, collecting errors instead of throwing.
class Reader {
 public:
  Reader(std::string source, std::vector<ConfigError>& errors, ParseOptions options)
      : source_(std::move(source)), errors_(errors), options_(options) {}

  bool check_files() const { return options_.check_files; }
  bool reads_secrets() const { return options_.check_files && options_.read_secrets; }

  // Paths whose value came from the environment, with the variable's name.
  std::map<std::string, std::string> env_origin;

  void error(const std::string& key, const YAML::Node& node, const std::string& message) {
    errors_.push_back({key, where(key, node), message});
  }

  std::string where(const std::string& key, const YAML::Node& node) const {
    if (auto it = env_origin.find(key); it != env_origin.end()) return "environment " + it->second;
    if (node.IsDefined() && node.Mark().line >= 0) {
      return source_ + ":" + std::to_string(node.Mark().line + 1) + ":" +
             std::to_string(node.Mark().column + 1);
    }
    return source_;
  }

  // Reports keys of `map` not in `allowed`; false when `map` is not a mapping.
  bool check_map(const YAML::Node& map, const std::string& path,
                 const std::vector<std::string>& allowed) {
    if (!map.IsMap()) {
      error(path, map, "expected a mapping of " + join(allowed) + ", got " + kind_of(map));
      return false;
    }
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        errors_.push_back(
            {path.empty() ? key : path + "." + key, where("", entry.first),
             "unknown key" + suggestion(key, allowed) + "; allowed here: " + join(allowed)});
      }
    }
    return true;
  }

  // The scalar at parent[name]; nullopt when absent, null or not a scalar (reported).
  std::optional<YAML::Node> scalar(const YAML::Node& parent, const std::string& name,
                                   const std::string& path) {
    const YAML::Node node = parent[name];
    if (!node.IsDefined() || node.IsNull()) return std::nullopt;
    if (!node.IsScalar()) {
      error(path, node, "expected a single value, got " + kind_of(node));
      return std::nullopt;
    }
    return node;
  }

  void string(const YAML::Node& parent, const std::string& name, const std::string& path,
              std::string& out) {
    if (const auto node = scalar(parent, name, path)) out = node->Scalar();
  }

  void integer(const YAML::Node& parent, const std::string& name, const std::string& path, int& out,
               int min, int max) {
    const auto node = scalar(parent, name, path);
    if (!node) return;
    const std::string& text = node->Scalar();
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
      error(path, *node,
            "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                ", got \"" + text + "\"");
      return;
    }
    out = value;
  }

  void number(const YAML::Node& parent, const std::string& name, const std::string& path,
              double& out, double min, double max) {
    const auto node = scalar(parent, name, path);
    if (!node) return;
    const std::string& text = node->Scalar();
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !(value >= min && value <= max)) {
      error(path, *node,
            "expected a number from " + format_number(min) + " to " + format_number(max) +
                ", got \"" + text + "\"");
      return;
    }
    out = value;
  }

  void duration(const YAML::Node& parent, const std::string& name, const std::string& path,
                Duration& out, Duration min) {
    const auto node = scalar(parent, name, path);
    if (!node) return;
    const auto value = parse_duration(node->Scalar());
    if (!value) {
      error(path, *node,
            "expected a duration such as 500ms, 30s, 5m, 1h or 1h30m, got \"" + node->Scalar() +
                "\"");
    } else if (*value < min) {
      error(path, *node, "must be at least " + format_duration(min));
    } else {
      out = *value;
    }
  }

  template <typename Enum>
  void choice(const YAML::Node& parent, const std::string& name, const std::string& path, Enum& out,
              const std::vector<std::pair<std::string, Enum>>& choices) {
    const auto node = scalar(parent, name, path);
    if (!node) return;
    std::vector<std::string> names;
    for (const auto& [text, value] : choices) {
      if (node->Scalar() == text) {
        out = value;
        return;
      }
      names.push_back(text);
    }
    error(path, *node, "expected one of " + join(names) + ", got \"" + node->Scalar() + "\"");
  }

  void require(const YAML::Node& parent, const std::string& name, const std::string& path,
               const std::string& hint) {
    const YAML::Node node = parent[name];
    if (!node.IsDefined() || node.IsNull() || (node.IsScalar() && node.Scalar().empty())) {
      error(path, parent, "missing required key; " + hint);
    }
  }

  // `node` is where the path was written (for the line in the message).
  void secret_file(const YAML::Node& node, const std::string& path, const std::string& value) {
    if (value.empty() || !options_.check_files || !options_.read_secrets) return;
    try {
      (void)read_secret_file(value);
    } catch (const std::exception& e) {
      error(path, node, std::string(e.what()) + " (secrets are read only from files)");
    }
  }

 private:
  std::string source_;
  std::vector<ConfigError>& errors_;
  ParseOptions options_;
};

// Writes KEAPSYNC_* overrides into the tree; unknown variables are errors.
void apply_environment(YAML::Node& root, const Environment& env, Reader& reader,
                       std::vector<ConfigError>& errors) {
  for (const auto& [name, value] : env) {
    if (!name.starts_with(kEnvPrefix)) continue;
    const std::string rest = ascii::to_lower(name.substr(kEnvPrefix.size()));
    std::vector<std::string> path;
    if (std::find(kTopScalars.begin(), kTopScalars.end(), rest) != kTopScalars.end()) {
      path = {rest};
    }
    for (const auto& [section, keys] : section_keys()) {
      for (const auto& key : keys) {
        if (rest == section + "_" + key) path = {section, key};
      }
    }
    if (rest.starts_with("accounts_")) {
      const std::string tail = rest.substr(9);
      for (const auto& key : kAccountKeys) {
        if (tail.size() > key.size() + 1 && tail.ends_with("_" + key)) {
          path = {"accounts", tail.substr(0, tail.size() - key.size() - 1), key};
        }
      }
    }
    if (path.empty()) {
      errors.push_back({"", "environment " + name,
                        "matches no configuration key (KEAPSYNC_<SECTION>_<KEY>, e.g. "
                        "KEAPSYNC_WORKER_CONCURRENCY or KEAPSYNC_ACCOUNTS_<NAME>_API_KEY_FILE)"});
      continue;
    }
    if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
    std::string dotted;
    YAML::Node node = root;
    for (size_t i = 0; i < path.size(); ++i) {
      dotted += (i ? "." : "") + path[i];
      if (i + 1 == path.size()) {
        node[path[i]] = value;
      } else {
        if (!node[path[i]].IsDefined() || node[path[i]].IsNull()) {
          node[path[i]] = YAML::Node(YAML::NodeType::Map);
        }
        node.reset(node[path[i]]);
        if (!node.IsMap()) break;
      }
    }
    reader.env_origin[dotted] = name;
  }
}

bool valid_account_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

bool valid_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = -1;
  const auto* begin = listen.data() + colon + 1;
  const auto* end = listen.data() + listen.size();
  const auto [p, ec] = std::from_chars(begin, end, port);
  return ec == std::errc() && p == end && port >= 0 && port <= 65535;
}

// The host of a valid `listen`: true for loopback (127.0.0.0/8, ::1, localhost),
// false for another IP address, nullopt when it is no IP address at all.
std::optional<bool> listen_is_loopback(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") return true;
  unsigned char bytes[16];
  if (::inet_pton(AF_INET, host.c_str(), bytes) == 1) return bytes[0] == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
  return std::nullopt;
}

bool has_password(const std::string& url) {
  if (url.find("password=") != std::string::npos) return true;
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const auto at = url.find('@', scheme);
  const auto colon = url.find(':', scheme + 3);
  return at != std::string::npos && colon != std::string::npos && colon < at;
}

void read_keap(const YAML::Node& keap, Reader& r, KeapConfig& out) {
  const std::vector<std::pair<std::string, std::string*>> urls{
      {"api_url", &out.api_url},
      {"token_url", &out.token_url},
      {"authorize_url", &out.authorize_url}};
  for (const auto& [key, field] : urls) {
    r.string(keap, key, "keap." + key, *field);
    if (!field->starts_with("https://")) {
      r.error("keap." + key, keap[key],
              "must be an https:// URL (TLS is always verified), got \"" +
                  http::redact_userinfo(*field) + "\"");
      continue;
    }
    try {
      http::Url::parse(*field);  // what `run` would refuse, refused here already
    } catch (const std::invalid_argument& e) {
      r.error("keap." + key, keap[key], e.what());
    }
  }
  r.string(keap, "ca_file", "keap.ca_file", out.ca_file);
  if (!out.ca_file.empty() && r.check_files() && ::access(out.ca_file.c_str(), R_OK) != 0) {
    r.error("keap.ca_file", keap["ca_file"], "cannot read CA bundle \"" + out.ca_file + "\"");
  }
  r.number(keap, "token_refresh_fraction", "keap.token_refresh_fraction",
           out.token_refresh_fraction, 0.1, 0.95);
}

void read_account(const std::string& name, const YAML::Node& node, Reader& r, AccountConfig& out) {
  const std::string path = "accounts." + name;
  if (!valid_account_name(name)) {
    r.error(path, node, "account names use letters, digits, '_' and '-' (at most 64)");
  }
  if (!r.check_map(node, path, kAccountKeys)) return;
  r.require(node, "auth", path + ".auth", "oauth or api_key");
  r.choice(node, "auth", path + ".auth", out.auth,
           {{"oauth", AuthKind::oauth}, {"api_key", AuthKind::api_key}});
  r.string(node, "client_id", path + ".client_id", out.client_id);
  r.string(node, "client_secret_file", path + ".client_secret_file", out.client_secret_file);
  r.string(node, "api_key_file", path + ".api_key_file", out.api_key_file);
  r.choice(node, "create_missing_tags", path + ".create_missing_tags", out.create_missing_tags,
           {{"true", true}, {"false", false}});
  r.integer(node, "concurrency", path + ".concurrency", out.concurrency, 1, 256);
  r.integer(node, "requests_per_minute", path + ".requests_per_minute", out.requests_per_minute, 1,
            kMaxRequestsPerMinute);
  r.integer(node, "requests_per_second", path + ".requests_per_second", out.requests_per_second, 1,
            10000);
  r.integer(node, "requests_per_day", path + ".requests_per_day", out.requests_per_day, 1,
            100000000);
  if (!node["auth"].IsDefined()) return;
  if (out.auth == AuthKind::oauth) {
    r.require(node, "client_id", path + ".client_id", "the OAuth client id of your Keap app");
    r.require(node, "client_secret_file", path + ".client_secret_file",
              "a file holding the client secret");
    if (!out.api_key_file.empty()) {
      r.error(path + ".api_key_file", node["api_key_file"], "only used with auth: api_key");
    }
  } else {
    r.require(node, "api_key_file", path + ".api_key_file",
              "a file holding the Service Account Key or Personal Access Token");
    for (const char* key : {"client_id", "client_secret_file"}) {
      if (node[key].IsDefined()) r.error(path + "." + key, node[key], "only used with auth: oauth");
    }
  }
  r.secret_file(node["client_secret_file"], path + ".client_secret_file", out.client_secret_file);
  r.secret_file(node["api_key_file"], path + ".api_key_file", out.api_key_file);
}

// OAuth tokens are sealed unless the file says otherwise: a forgotten key must
// not leave a shop's tokens readable to whoever can read the table.
void read_token_sealing(const YAML::Node& root, Reader& r, Config& c) {
  r.choice(root, "token_encryption", "token_encryption", c.token_encryption,
           {{"aes-256-gcm", true}, {"none", false}});
  const bool has_key = !c.token_encryption_key_file.empty();
  if (!c.token_encryption) {
    if (has_key) {
      r.error("token_encryption", root["token_encryption"],
              "is none, yet token_encryption_key_file is set: remove one of the two");
    }
    return;
  }
  // Only the commands that handle tokens need the key: status, dead and migrate run without.
  if (has_key || !r.reads_secrets()) return;
  for (const auto& [name, account] : c.accounts) {
    if (account.auth != AuthKind::oauth) continue;
    r.error("token_encryption_key_file", root["accounts"][name],
            "missing: account " + name +
                " stores OAuth tokens, which are sealed with this key. Fix: `openssl rand -hex "
                "32 > /etc/keapsync/credentials/token-key && chmod 600 "
                "/etc/keapsync/credentials/token-key`, set token_encryption_key_file: "
                "keapsync_token-key (the name the unit's LoadCredential= gives it) and seal the "
                "tokens stored so far with `keapsync auth --rotate-key --seal-plain`; or keep "
                "them unencrypted, as before, with token_encryption: none");
    return;
  }
}

Config read_config(const YAML::Node& root, Reader& r) {
  Config c;
  if (!r.check_map(root, "", kTopKeys)) return c;

  const YAML::Node database = root["database"];
  r.require(root, "database", "database", "database: {url: \"host=/run/postgresql dbname=shop\"}");
  if (database.IsDefined() && r.check_map(database, "database", section_keys().at("database"))) {
    r.require(database, "url", "database.url", "a libpq connection string or postgresql:// URI");
    r.string(database, "url", "database.url", c.database.url);
    r.string(database, "migrate_url", "database.migrate_url", c.database.migrate_url);
    for (const auto& [key, url] :
         {std::pair{"url", &c.database.url}, std::pair{"migrate_url", &c.database.migrate_url}}) {
      if (has_password(*url)) {
        r.error(std::string("database.") + key, database[key],
                "must not contain a password: put it in a .pgpass file (PGPASSFILE) instead");
      }
    }
  }

  const YAML::Node log = root["log"];
  if (log.IsDefined() && r.check_map(log, "log", section_keys().at("log"))) {
    r.choice(log, "level", "log.level", c.log.level,
             {{"trace", LogLevel::trace},
              {"debug", LogLevel::debug},
              {"info", LogLevel::info},
              {"warn", LogLevel::warn},
              {"error", LogLevel::error}});
    r.choice(log, "format", "log.format", c.log.format,
             {{"json", LogFormat::json}, {"text", LogFormat::text}});
  }

  const YAML::Node worker = root["worker"];
  if (worker.IsDefined() && r.check_map(worker, "worker", section_keys().at("worker"))) {
    auto& w = c.worker;
    r.integer(worker, "concurrency", "worker.concurrency", w.concurrency, 1, 256);
    r.duration(worker, "poll_interval", "worker.poll_interval", w.poll_interval,
               std::chrono::milliseconds(100));
    r.integer(worker, "max_attempts", "worker.max_attempts", w.max_attempts, 1, 1000);
    r.duration(worker, "shutdown_timeout", "worker.shutdown_timeout", w.shutdown_timeout,
               std::chrono::seconds(1));
    // Half a lease bounds each Keap call; below 4 s that leaves too little.
    r.duration(worker, "lease_duration", "worker.lease_duration", w.lease_duration,
               std::chrono::seconds(4));
    r.integer(worker, "batch_size", "worker.batch_size", w.batch_size, 1, 10000);
    r.integer(worker, "max_rows_per_contact", "worker.max_rows_per_contact", w.max_rows_per_contact,
              1, 10000);
    r.duration(worker, "retry_initial", "worker.retry_initial", w.retry_initial,
               std::chrono::milliseconds(100));
    r.duration(worker, "retry_max", "worker.retry_max", w.retry_max,
               std::chrono::milliseconds(100));
    if (w.retry_max < w.retry_initial) {
      r.error("worker.retry_max", worker["retry_max"],
              "must not be shorter than worker.retry_initial");
    }
  }

  const YAML::Node keap = root["keap"];
  if (keap.IsDefined() && r.check_map(keap, "keap", section_keys().at("keap"))) {
    read_keap(keap, r, c.keap);
  }

  r.string(root, "listen", "listen", c.listen);
  if (!valid_listen(c.listen)) {
    r.error("listen", root["listen"],
            "expected HOST:PORT such as 127.0.0.1:9464, got \"" + c.listen + "\"");
  }
  r.choice(root, "listen_allow_remote", "listen_allow_remote", c.listen_allow_remote,
           {{"true", true}, {"false", false}});
  if (valid_listen(c.listen)) {
    const auto loopback = listen_is_loopback(c.listen);
    if (!loopback) {
      r.error("listen", root["listen"],
              "expected an IP address or localhost before the port, got \"" + c.listen + "\"");
    } else if (!*loopback && !c.listen_allow_remote) {
      r.error("listen", root["listen"],
              "\"" + c.listen +
                  "\" is not a loopback address and the status endpoints have no "
                  "authentication: set listen_allow_remote: true to serve them beyond this host");
    }
  }
  r.string(root, "token_encryption_key_file", "token_encryption_key_file",
           c.token_encryption_key_file);
  r.secret_file(root["token_encryption_key_file"], "token_encryption_key_file",
                c.token_encryption_key_file);

  const YAML::Node previous = root["token_encryption_previous_key_files"];
  if (previous.IsDefined() && !previous.IsNull()) {
    if (!previous.IsSequence()) {
      r.error("token_encryption_previous_key_files", previous,
              "expected a list of key files, got " + kind_of(previous));
    } else {
      for (size_t i = 0; i < previous.size(); ++i) {
        const std::string path = "token_encryption_previous_key_files[" + std::to_string(i) + "]";
        if (!previous[i].IsScalar()) {
          r.error(path, previous[i], "expected a file path, got " + kind_of(previous[i]));
          continue;
        }
        c.token_encryption_previous_key_files.push_back(previous[i].Scalar());
        r.secret_file(previous[i], path, previous[i].Scalar());
      }
    }
  }
  if (!c.token_encryption_previous_key_files.empty() && c.token_encryption_key_file.empty()) {
    r.error("token_encryption_previous_key_files", previous,
            "needs token_encryption_key_file: the current key that replaces them");
  }

  const YAML::Node accounts = root["accounts"];
  r.require(root, "accounts", "accounts",
            "at least one account, e.g. accounts: {default: {auth: api_key, api_key_file: "
            "keapsync_api-key}} (a name the unit's LoadCredential= gives, see "
            "keapsync.example.yaml)");
  if (accounts.IsDefined() && !accounts.IsNull()) {
    if (!accounts.IsMap() || accounts.size() == 0) {
      r.error("accounts", accounts,
              "expected a mapping of account names, got " + kind_of(accounts));
    } else {
      for (const auto& entry : accounts) {
        const std::string name = entry.first.Scalar();
        // YAML takes a repeated key; two halves of one account would mix.
        if (c.accounts.contains(name)) {
          r.error("accounts." + name, entry.first, "defined twice: keep one");
          continue;
        }
        read_account(name, entry.second, r, c.accounts[name]);
      }
    }
  }
  read_token_sealing(root, r, c);
  return c;
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = where + ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

const char* to_string(LogLevel level) {
  constexpr const char* names[] = {"trace", "debug", "info", "warn", "error"};
  return names[static_cast<int>(level)];
}
const char* to_string(LogFormat format) {
  return format == LogFormat::json ? "json" : "text";
}
const char* to_string(AuthKind kind) {
  return kind == AuthKind::oauth ? "oauth" : "api_key";
}

Environment process_environment() {
  Environment env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos && entry.starts_with(kEnvPrefix)) {
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return env;
}

LoadResult parse_config(std::string_view yaml, const std::string& source, const Environment& env,
                        ParseOptions options) {
  LoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    result.errors.push_back(
        {"",
         source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
         "not valid YAML: " + e.msg});
    return result;
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  Reader reader(source, result.errors, options);
  std::vector<ConfigError> env_errors;
  apply_environment(root, env, reader, env_errors);
  Config config = read_config(root, reader);
  result.errors.insert(result.errors.end(), env_errors.begin(), env_errors.end());
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_config(const std::string& path, const Environment& env, ParseOptions options) {
  std::ifstream in(path);
  if (!in) {
    LoadResult result;
    result.errors.push_back({"", path, "cannot read the configuration file"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, env, options);
}

}  // namespace keapsync::config
