// libFuzzer target: a configuration file's text through parse_config, judging the text alone
// (no secret file or CA bundle is opened, no KEAPSYNC_* variable applies).
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config_loader.hpp"

namespace {

using namespace keapsync::config;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "config_fuzz: invariant broken: %s\n", what);
  std::abort();
}

bool in(int value, int min, int max) {
  return value >= min && value <= max;
}

// The bounds read_config promises for a Config it returns.
void check_config(const Config& c) {
  const WorkerConfig& w = c.worker;
  require(in(w.concurrency, 1, 256) && in(w.max_attempts, 1, 1000) && in(w.batch_size, 1, 10000) &&
              in(w.max_rows_per_contact, 1, 10000),
          "worker integers within their bounds");
  require(w.poll_interval >= std::chrono::milliseconds(100) &&
              w.shutdown_timeout >= std::chrono::seconds(1) &&
              w.lease_duration >= std::chrono::seconds(4) &&
              w.retry_initial >= std::chrono::milliseconds(100) && w.retry_max >= w.retry_initial,
          "worker durations within their bounds");
  require(c.keap.api_url.starts_with("https://") && c.keap.token_url.starts_with("https://") &&
              c.keap.authorize_url.starts_with("https://"),
          "Keap URLs are https");
  require(c.keap.token_refresh_fraction >= 0.1 && c.keap.token_refresh_fraction <= 0.95,
          "token_refresh_fraction within its bounds");
  require(!c.database.url.empty(), "database.url set");
  require(!c.accounts.empty(), "at least one account");
  require(c.token_encryption_previous_key_files.empty() || !c.token_encryption_key_file.empty(),
          "previous keys only with a current key");
  for (const auto& [name, a] : c.accounts) {
    require(!name.empty() && name.size() <= 64, "account name 1-64 characters");
    if (a.auth == AuthKind::oauth) {
      require(!a.client_id.empty() && !a.client_secret_file.empty() && a.api_key_file.empty(),
              "oauth account has its client, no key");
    } else {
      require(!a.api_key_file.empty() && a.client_id.empty() && a.client_secret_file.empty(),
              "api_key account has its key, no client");
    }
    require(a.concurrency == 0 || in(a.concurrency, 1, 256), "account concurrency bound");
  }
  const auto duration_round_trip = [](Duration d) { return parse_duration(format_duration(d)); };
  require(duration_round_trip(w.poll_interval) == w.poll_interval &&
              duration_round_trip(w.retry_max) == w.retry_max,
          "a duration reads back as it prints");
}

// YAML is UTF-8 text; yaml-cpp reads other bytes as they are but writes them back as U+FFFD,
// so only UTF-8 input can round-trip.
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

std::string shortest(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

// A loaded Config written back as a configuration file, every key spelled out.
std::string to_yaml(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "database" << YAML::Value << YAML::BeginMap << YAML::Key << "url"
      << YAML::Value << YAML::DoubleQuoted << c.database.url << YAML::EndMap;
  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap << YAML::Key << "level" << YAML::Value
      << to_string(c.log.level) << YAML::Key << "format" << YAML::Value << to_string(c.log.format)
      << YAML::EndMap;
  const WorkerConfig& w = c.worker;
  out << YAML::Key << "worker" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "concurrency" << YAML::Value << w.concurrency;
  out << YAML::Key << "poll_interval" << YAML::Value << format_duration(w.poll_interval);
  out << YAML::Key << "max_attempts" << YAML::Value << w.max_attempts;
  out << YAML::Key << "shutdown_timeout" << YAML::Value << format_duration(w.shutdown_timeout);
  out << YAML::Key << "lease_duration" << YAML::Value << format_duration(w.lease_duration);
  out << YAML::Key << "batch_size" << YAML::Value << w.batch_size;
  out << YAML::Key << "max_rows_per_contact" << YAML::Value << w.max_rows_per_contact;
  out << YAML::Key << "retry_initial" << YAML::Value << format_duration(w.retry_initial);
  out << YAML::Key << "retry_max" << YAML::Value << format_duration(w.retry_max);
  out << YAML::EndMap;
  out << YAML::Key << "keap" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "api_url" << YAML::Value << YAML::DoubleQuoted << c.keap.api_url;
  out << YAML::Key << "token_url" << YAML::Value << YAML::DoubleQuoted << c.keap.token_url;
  out << YAML::Key << "authorize_url" << YAML::Value << YAML::DoubleQuoted << c.keap.authorize_url;
  out << YAML::Key << "ca_file" << YAML::Value << YAML::DoubleQuoted << c.keap.ca_file;
  out << YAML::Key << "token_refresh_fraction" << YAML::Value
      << shortest(c.keap.token_refresh_fraction);
  out << YAML::EndMap;
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << c.listen;
  out << YAML::Key << "listen_allow_remote" << YAML::Value
      << (c.listen_allow_remote ? "true" : "false");
  out << YAML::Key << "token_encryption_key_file" << YAML::Value << YAML::DoubleQuoted
      << c.token_encryption_key_file;
  out << YAML::Key << "token_encryption_previous_key_files" << YAML::Value << YAML::BeginSeq;
  for (const auto& file : c.token_encryption_previous_key_files)
    out << YAML::DoubleQuoted << file;
  out << YAML::EndSeq;
  out << YAML::Key << "accounts" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, a] : c.accounts) {
    out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "auth" << YAML::Value << to_string(a.auth);
    if (a.auth == AuthKind::oauth) {
      out << YAML::Key << "client_id" << YAML::Value << YAML::DoubleQuoted << a.client_id;
      out << YAML::Key << "client_secret_file" << YAML::Value << YAML::DoubleQuoted
          << a.client_secret_file;
    } else {
      out << YAML::Key << "api_key_file" << YAML::Value << YAML::DoubleQuoted << a.api_key_file;
    }
    out << YAML::Key << "create_missing_tags" << YAML::Value
        << (a.create_missing_tags ? "true" : "false");
    // 0 means "derive it": written only when set, as a user would.
    for (const auto& [key, value] : {std::pair{"concurrency", a.concurrency},
                                     {"requests_per_minute", a.requests_per_minute},
                                     {"requests_per_second", a.requests_per_second},
                                     {"requests_per_day", a.requests_per_day}}) {
      if (value != 0) out << YAML::Key << key << YAML::Value << value;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return out.c_str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const ParseOptions text_only{.check_files = false};
  const LoadResult result = parse_config(yaml, "fuzz.yaml", {}, text_only);
  require(result.config.has_value() == result.errors.empty(), "a config or its errors");
  for (const auto& e : result.errors) {
    require(!e.message.empty() && !e.where.empty(), "an error says where and what");
  }
  if (!result.config) return 0;
  check_config(*result.config);
  if (!is_utf8(yaml)) return 0;
  // A loaded config re-validates: written back as YAML it loads as the same config.
  const LoadResult again = parse_config(to_yaml(*result.config), "rewritten.yaml", {}, text_only);
  if (again.config != result.config) {
    std::fprintf(stderr, "rewritten:\n%s\n", to_yaml(*result.config).c_str());
    for (const auto& e : again.errors)
      std::fprintf(stderr, "%s\n", e.to_string().c_str());
  }
  require(again.config == result.config, "a loaded config, written back, loads the same");
  return 0;
}
