// Configuration: defaults, durations, environment overrides and every error kind with its message.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>

#include "config/config_loader.hpp"
#include "support/temp_dir.hpp"

namespace keapsync::config {
namespace {

class ConfigLoader : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::string key_file = dir.write_secret("api-key", "KeapAK-0123456789abcdef\n");

  std::string base() const {
    return "database:\n"
           "  url: host=/run/postgresql dbname=shop\n"
           "accounts:\n"
           "  default:\n"
           "    auth: api_key\n"
           "    api_key_file: " +
           key_file + "\n";
  }

  LoadResult parse(const std::string& yaml, const Environment& env = {}) {
    return parse_config(yaml, "keapsync.yaml", env);
  }

  // The single error message of `yaml`, or a failure.
  std::string only_error(const std::string& yaml, const Environment& env = {}) {
    const auto result = parse(yaml, env);
    EXPECT_FALSE(result.config.has_value());
    std::string all;
    for (const auto& e : result.errors)
      all += e.to_string() + "\n";
    EXPECT_EQ(result.errors.size(), 1u) << all;
    return result.errors.empty() ? "" : result.errors.front().to_string();
  }
};

TEST_F(ConfigLoader, MinimalFileGetsDefaults) {
  const auto result = parse(base());
  ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors.front().to_string());
  const Config& c = *result.config;
  EXPECT_EQ(c.database.url, "host=/run/postgresql dbname=shop");
  EXPECT_EQ(c.keap.api_url, "https://api.infusionsoft.com/crm");
  EXPECT_EQ(c.keap.token_url, "https://api.infusionsoft.com/token");
  EXPECT_EQ(c.worker.poll_interval, std::chrono::seconds(5));
  EXPECT_EQ(c.log.format, LogFormat::json);
  EXPECT_EQ(c.listen, "127.0.0.1:9464");
  ASSERT_EQ(c.accounts.count("default"), 1u);
  EXPECT_EQ(c.accounts.at("default").auth, AuthKind::api_key);
}

TEST_F(ConfigLoader, ReadsTypedValues) {
  const auto result = parse(base() +
                            "worker:\n  concurrency: 8\n  poll_interval: 1m30s\n"
                            "  shutdown_timeout: 2s\n  retry_max: 2h\n"
                            "log:\n  level: debug\n  format: text\n"
                            "keap:\n  api_url: https://127.0.0.1:8443/crm\n");
  ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors.front().to_string());
  EXPECT_EQ(result.config->worker.concurrency, 8);
  EXPECT_EQ(result.config->worker.poll_interval, std::chrono::seconds(90));
  EXPECT_EQ(result.config->worker.retry_max, std::chrono::hours(2));
  EXPECT_EQ(result.config->log.level, LogLevel::debug);
  EXPECT_EQ(result.config->keap.api_url, "https://127.0.0.1:8443/crm");
  EXPECT_TRUE(result.config->accounts.at("default").create_missing_tags);
  const auto off = parse(base() + "    create_missing_tags: false\n");
  ASSERT_TRUE(off.config);
  EXPECT_FALSE(off.config->accounts.at("default").create_missing_tags);
  EXPECT_EQ(only_error(base() + "    create_missing_tags: maybe\n"),
            "keapsync.yaml:7:26: accounts.default.create_missing_tags: expected one of true, "
            "false, got \"maybe\"");
}

TEST_F(ConfigLoader, AnAccountDefinedTwiceIsAnError) {
  // YAML keeps a repeated key; the two halves must not mix into one account.
  EXPECT_EQ(only_error(base() + "  default:\n    auth: oauth\n    client_id: abc\n"),
            "keapsync.yaml:7:3: accounts.default: defined twice: keep one");
}

TEST_F(ConfigLoader, AnAccountMaySetItsLimitsAndConcurrency) {
  const auto defaults = parse(base());
  ASSERT_TRUE(defaults.config);
  const auto& d = defaults.config->accounts.at("default");
  EXPECT_EQ(d.concurrency, 0);  // derived from the limits at run time
  EXPECT_EQ(d.requests_per_minute, 0);
  EXPECT_EQ(defaults.config->worker.concurrency, 64);
  const auto set = parse(base() +
                             "    concurrency: 12\n    requests_per_minute: 600\n"
                             "    requests_per_second: 5\n    requests_per_day: 20000\n",
                         {{"KEAPSYNC_ACCOUNTS_DEFAULT_CONCURRENCY", "3"}});
  ASSERT_TRUE(set.config) << (set.errors.empty() ? "" : set.errors.front().to_string());
  const auto& a = set.config->accounts.at("default");
  EXPECT_EQ(a.concurrency, 3);  // the environment wins
  EXPECT_EQ(a.requests_per_minute, 600);
  EXPECT_EQ(a.requests_per_second, 5);
  EXPECT_EQ(a.requests_per_day, 20000);
  EXPECT_EQ(only_error(base() + "    requests_per_minute: 0\n"),
            "keapsync.yaml:7:26: accounts.default.requests_per_minute: expected an integer from 1 "
            "to 100000, got \"0\"");
  EXPECT_EQ(only_error(base() + "    concurrency: 300\n"),
            "keapsync.yaml:7:18: accounts.default.concurrency: expected an integer from 1 to 256, "
            "got \"300\"");
}

TEST_F(ConfigLoader, UnknownKeyIsAnErrorWithLineAndSuggestion) {
  EXPECT_EQ(only_error(base() + "worker:\n  concurency: 8\n"),
            "keapsync.yaml:8:3: worker.concurency: unknown key (did you mean \"concurrency\"?); "
            "allowed here: concurrency, poll_interval, max_attempts, shutdown_timeout, "
            "lease_duration, batch_size, max_rows_per_contact, retry_initial, retry_max");
  EXPECT_NE(
      only_error(base() + "loglevel: debug\n").find("keapsync.yaml:7:1: loglevel: unknown key"),
      std::string::npos);
}

TEST_F(ConfigLoader, WrongTypeNamesKeyLineAndExpectation) {
  EXPECT_EQ(
      only_error(base() + "worker:\n  concurrency: lots\n"),
      "keapsync.yaml:8:16: worker.concurrency: expected an integer from 1 to 256, got \"lots\"");
  EXPECT_EQ(only_error(base() + "log:\n  format: xml\n"),
            "keapsync.yaml:8:11: log.format: expected one of json, text, got \"xml\"");
  EXPECT_EQ(only_error(base() + "worker:\n  concurrency: [1, 2]\n"),
            "keapsync.yaml:8:16: worker.concurrency: expected a single value, got a list");
}

TEST_F(ConfigLoader, BadDuration) {
  EXPECT_EQ(only_error(base() + "worker:\n  poll_interval: 5 minutes\n"),
            "keapsync.yaml:8:18: worker.poll_interval: expected a duration such as 500ms, 30s, 5m, "
            "1h or 1h30m, got \"5 minutes\"");
  EXPECT_EQ(only_error(base() + "worker:\n  poll_interval: 10\n"),
            "keapsync.yaml:8:18: worker.poll_interval: expected a duration such as 500ms, 30s, 5m, "
            "1h or 1h30m, got \"10\"");
}

TEST_F(ConfigLoader, MissingRequiredKey) {
  EXPECT_EQ(
      only_error("accounts:\n  default:\n    auth: api_key\n    api_key_file: " + key_file + "\n"),
      "keapsync.yaml:1:1: database: missing required key; database: {url: "
      "\"host=/run/postgresql dbname=shop\"}");
  EXPECT_EQ(only_error("database:\n  url: x\ntoken_encryption: none\naccounts:\n  shop:\n"
                       "    auth: oauth\n    client_secret_file: " +
                       key_file + "\n"),
            "keapsync.yaml:6:5: accounts.shop.client_id: missing required key; the OAuth client id "
            "of your Keap app");
}

TEST_F(ConfigLoader, UnreadableSecretFile) {
  const auto message = only_error(
      "database:\n  url: x\naccounts:\n  default:\n    auth: api_key\n"
      "    api_key_file: " +
      dir.path() + "/missing\n");
  EXPECT_NE(
      message.find("keapsync.yaml:6:19: accounts.default.api_key_file: cannot read secret file " +
                   dir.path() + "/missing"),
      std::string::npos)
      << message;
  const std::string empty = dir.write("empty", "\n");
  std::filesystem::permissions(empty, std::filesystem::perms::owner_read);
  EXPECT_NE(only_error(base() + "token_encryption_key_file: " + empty + "\n").find("is empty"),
            std::string::npos);
}

TEST_F(ConfigLoader, OAuthTokensAreSealedUnlessTheFileSaysNone) {
  const std::string oauth =
      "database:\n  url: x\naccounts:\n  shop:\n    auth: oauth\n"
      "    client_id: app\n    client_secret_file: " +
      key_file + "\n";
  // Not for the commands that read no secret: status, dead and migrate run without the key.
  EXPECT_TRUE(parse_config(oauth, "keapsync.yaml", {}, {.read_secrets = false}).config);
  const auto missing = only_error(oauth);
  EXPECT_NE(missing.find("keapsync.yaml:5:5: token_encryption_key_file: missing: account shop "
                         "stores OAuth tokens"),
            std::string::npos)
      << missing;
  EXPECT_NE(missing.find("openssl rand -hex 32"), std::string::npos) << missing;
  EXPECT_NE(missing.find("keapsync_token-key"), std::string::npos) << missing;
  EXPECT_NE(missing.find("--rotate-key --seal-plain"), std::string::npos) << missing;
  EXPECT_NE(missing.find("token_encryption: none"), std::string::npos) << missing;

  const auto plain = parse("token_encryption: none\n" + oauth);
  ASSERT_TRUE(plain.config) << plain.errors.front().to_string();
  EXPECT_FALSE(plain.config->token_encryption);
  const std::string key = dir.write_secret("token-key", std::string(64, 'a'));
  const auto sealed = parse("token_encryption_key_file: " + key + "\n" + oauth);
  ASSERT_TRUE(sealed.config) << sealed.errors.front().to_string();
  EXPECT_TRUE(sealed.config->token_encryption);
  EXPECT_EQ(only_error("token_encryption: none\ntoken_encryption_key_file: " + key + "\n" + oauth),
            "keapsync.yaml:1:19: token_encryption: is none, yet token_encryption_key_file is set: "
            "remove one of the two");
  EXPECT_EQ(only_error("token_encryption: off\ntoken_encryption_key_file: " + key + "\n" + oauth),
            "keapsync.yaml:1:19: token_encryption: expected one of aes-256-gcm, none, got \"off\"");
  // API keys are not stored: no key needed.
  EXPECT_TRUE(parse(base()).config);
}

TEST_F(ConfigLoader, SecretFilesAreCheckedLikeSshKeys) {
  const auto error_for = [&](const std::string& file) {
    return only_error(
        "database:\n  url: x\naccounts:\n  default:\n    auth: api_key\n"
        "    api_key_file: " +
        file + "\n");
  };
  const std::string open_file = dir.write("open-key", "KeapAK-0123456789abcdef\n");
  std::filesystem::permissions(open_file, std::filesystem::perms(0644));
  const auto open_error = error_for(open_file);
  EXPECT_NE(open_error.find("accounts.default.api_key_file: secret file " + open_file +
                            " is open to group or others (mode 0644); fix: chmod 600 " + open_file),
            std::string::npos)
      << open_error;
  std::filesystem::permissions(open_file, std::filesystem::perms(0640));
  EXPECT_NE(error_for(open_file).find("(mode 0640)"), std::string::npos);
  std::filesystem::permissions(open_file, std::filesystem::perms(0400));
  EXPECT_TRUE(parse("database:\n  url: x\naccounts:\n  default:\n    auth: api_key\n"
                    "    api_key_file: " +
                    open_file + "\n")
                  .config);

  const std::string big = dir.write_secret("big-key", std::string(64 * 1024 + 1, 'k'));
  EXPECT_NE(error_for(big).find("65537 bytes, more than a secret's 65536"), std::string::npos)
      << error_for(big);

  EXPECT_NE(error_for(dir.path()).find("is not a regular file"), std::string::npos);

  // Another user's file, when this test may hand one over (it runs as root in CI).
  if (::geteuid() == 0) {
    const std::string theirs = dir.write_secret("their-key", "KeapAK-0123456789abcdef\n");
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
    const auto owner_error = error_for(theirs);
    EXPECT_NE(owner_error.find("is owned by uid 65534, neither root nor this user (uid 0); fix: "
                               "run keapsync as its owner"),
              std::string::npos)
        << owner_error;
  }

  // A FIFO is refused at once, not waited on.
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(error_for(fifo).find("is not a regular file"), std::string::npos);
}

TEST_F(ConfigLoader, ACredentialOnAReadOnlyMountUnderCredentialsDirectoryKeepsItsModes) {
  // systemd 256's LoadCredential= copies carry an ACL (group bits); Kubernetes' secret
  // volumes are root's and group-readable: both are read-only mounts keapsync cannot fix.
  const std::string mount_point = dir.path() + "/credentials";
  std::filesystem::create_directory(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=64k,mode=0755") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    ~Unmount() {
      ::unsetenv("CREDENTIALS_DIRECTORY");
      ::umount(path.c_str());
    }
  } unmount{mount_point};
  const std::string key = mount_point + "/api-key";
  { std::ofstream(key) << "KeapAK-0123456789abcdef\n"; }
  std::filesystem::permissions(key, std::filesystem::perms(0440));
  ASSERT_EQ(::chown(key.c_str(), 0, 65534), 0);
  const std::string yaml =
      "database:\n  url: x\naccounts:\n  default:\n    auth: api_key\n"
      "    api_key_file: api-key\n";
  ::setenv("CREDENTIALS_DIRECTORY", mount_point.c_str(), 1);
  // Writable: the operator's file, refused as ever.
  EXPECT_NE(only_error(yaml).find("(mode 0440)"), std::string::npos);
  ASSERT_EQ(::mount(nullptr, mount_point.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0);
  const auto managed = parse(yaml);
  EXPECT_TRUE(managed.config) << managed.errors.front().to_string();
  // The same mount outside $CREDENTIALS_DIRECTORY is still checked.
  ::setenv("CREDENTIALS_DIRECTORY", "/run/credentials/elsewhere", 1);
  EXPECT_NE(only_error("database:\n  url: x\naccounts:\n  default:\n    auth: api_key\n"
                       "    api_key_file: " +
                       key + "\n")
                .find("(mode 0440)"),
            std::string::npos);
}

TEST_F(ConfigLoader, ReadSecretsOffLeavesTheSecretFilesUnopened) {
  // status and dead run without access to the secrets.
  const std::string yaml = "database:\n  url: x\ntoken_encryption_key_file: " + dir.path() +
                           "/no-key\naccounts:\n  default:\n    auth: api_key\n"
                           "    api_key_file: " +
                           dir.path() + "/missing\n";
  EXPECT_EQ(parse(yaml).errors.size(), 2u);
  const auto skipped = parse_config(yaml, "keapsync.yaml", {}, {.read_secrets = false});
  EXPECT_TRUE(skipped.config) << skipped.errors.front().to_string();
}

TEST_F(ConfigLoader, CheckFilesOffJudgesTheTextAlone) {
  // The fuzz target's mode: missing secret files and CA bundle are not opened, so not errors;
  // everything else is still checked.
  const std::string yaml = "database:\n  url: x\nkeap:\n  ca_file: " + dir.path() +
                           "/no-ca.pem\ntoken_encryption_key_file: " + dir.path() +
                           "/no-key\naccounts:\n  default:\n    auth: api_key\n"
                           "    api_key_file: " +
                           dir.path() + "/missing\n";
  EXPECT_EQ(parse(yaml).errors.size(), 3u);
  const auto unchecked = parse_config(yaml, "keapsync.yaml", {}, {.check_files = false});
  for (const auto& e : unchecked.errors)
    ADD_FAILURE() << e.to_string();
  ASSERT_TRUE(unchecked.config);
  EXPECT_EQ(unchecked.config->accounts.at("default").api_key_file, dir.path() + "/missing");
  EXPECT_EQ(parse_config(yaml + "worker:\n  concurrency: 0\n", "keapsync.yaml", {},
                         {.check_files = false})
                .errors.size(),
            1u);
}

TEST_F(ConfigLoader, EveryErrorIsReportedAtOnce) {
  const auto result =
      parse(base() + "worker:\n  concurrency: 0\n  max_attempts: x\nlog:\n  level: loud\n");
  EXPECT_EQ(result.errors.size(), 3u);
}

TEST_F(ConfigLoader, PasswordInDatabaseUrlIsRefused) {
  EXPECT_NE(only_error("database:\n  url: postgresql://shop:hunter2@db/shop\n" +
                       base().substr(base().find("accounts:")))
                .find("must not contain a password: put it in a .pgpass file"),
            std::string::npos);
}

TEST_F(ConfigLoader, MigrateUrlIsOptionalAndTakesNoPasswordEither) {
  EXPECT_EQ(parse(base()).config->database.migrate_url, "");
  const auto owner =
      parse(base() + "", {{"KEAPSYNC_DATABASE_MIGRATE_URL", "dbname=shop user=owner"}});
  ASSERT_TRUE(owner.config);
  EXPECT_EQ(owner.config->database.migrate_url, "dbname=shop user=owner");
  EXPECT_EQ(only_error("database:\n  url: dbname=shop\n  migrate_url: postgresql://o:pw@db/shop\n" +
                       base().substr(base().find("accounts:"))),
            "keapsync.yaml:3:16: database.migrate_url: must not contain a password: put it in a "
            ".pgpass file (PGPASSFILE) instead");
}

TEST_F(ConfigLoader, TokenRefreshFractionIsANumberWithinBounds) {
  EXPECT_DOUBLE_EQ(parse(base()).config->keap.token_refresh_fraction, 0.75);
  const auto half = parse(base() + "keap:\n  token_refresh_fraction: 0.5\n");
  ASSERT_TRUE(half.config);
  EXPECT_DOUBLE_EQ(half.config->keap.token_refresh_fraction, 0.5);
  EXPECT_EQ(only_error(base() + "keap:\n  token_refresh_fraction: 1\n"),
            "keapsync.yaml:8:27: keap.token_refresh_fraction: expected a number from 0.1 to 0.95, "
            "got \"1\"");
  EXPECT_EQ(only_error(base() + "keap:\n  token_refresh_fraction: 75%\n"),
            "keapsync.yaml:8:27: keap.token_refresh_fraction: expected a number from 0.1 to 0.95, "
            "got \"75%\"");
  const auto env = parse(base(), {{"KEAPSYNC_KEAP_TOKEN_REFRESH_FRACTION", "0.9"}});
  ASSERT_TRUE(env.config);
  EXPECT_DOUBLE_EQ(env.config->keap.token_refresh_fraction, 0.9);
}

TEST_F(ConfigLoader, ListenAllowRemoteIsABooleanOffByDefault) {
  EXPECT_FALSE(parse(base()).config->listen_allow_remote);
  const auto on = parse(base() + "listen: 0.0.0.0:9464\nlisten_allow_remote: true\n");
  ASSERT_TRUE(on.config);
  EXPECT_TRUE(on.config->listen_allow_remote);
  EXPECT_TRUE(
      parse(base(), {{"KEAPSYNC_LISTEN_ALLOW_REMOTE", "true"}}).config->listen_allow_remote);
  EXPECT_EQ(only_error(base() + "listen: 0.0.0.0:9464\n"),
            "keapsync.yaml:7:9: listen: \"0.0.0.0:9464\" is not a loopback address and the "
            "status endpoints have no authentication: set listen_allow_remote: true to serve them "
            "beyond this host");
  EXPECT_EQ(only_error(base() + "listen: metrics.example:9464\n"),
            "keapsync.yaml:7:9: listen: expected an IP address or localhost before the port, got "
            "\"metrics.example:9464\"");
  for (const char* loopback : {"127.0.0.1:0", "localhost:9464", "[::1]:9464", "127.0.0.2:1"})
    EXPECT_TRUE(parse(base() + "listen: \"" + loopback + "\"\n").config) << loopback;
  EXPECT_EQ(only_error(base() + "listen_allow_remote: yes please\n"),
            "keapsync.yaml:7:22: listen_allow_remote: expected one of true, false, got \"yes "
            "please\"");
}

TEST_F(ConfigLoader, PlainHttpKeapUrlIsRefused) {
  EXPECT_EQ(only_error(base() + "keap:\n  api_url: http://127.0.0.1:8080/crm\n"),
            "keapsync.yaml:8:12: keap.api_url: must be an https:// URL (TLS is always verified), "
            "got \"http://127.0.0.1:8080/crm\"");
}

TEST_F(ConfigLoader, AKeapUrlWithCredentialsIsRefusedWithoutItsPassword) {
  EXPECT_EQ(
      only_error(base() + "keap:\n  token_url: https://app:hunter2@api.example.test/token\n"),
      "keapsync.yaml:8:14: keap.token_url: invalid URL 'https://app:***@api.example.test/token': "
      "credentials are not supported");
  EXPECT_EQ(only_error(base() + "keap:\n  api_url: http://app:hunter2@api.example.test\n"),
            "keapsync.yaml:8:12: keap.api_url: must be an https:// URL (TLS is always verified), "
            "got \"http://app:***@api.example.test\"");
}

TEST_F(ConfigLoader, EnvironmentOverridesFileValues) {
  const auto result = parse(base() + "worker:\n  concurrency: 8\n",
                            {{"KEAPSYNC_WORKER_CONCURRENCY", "16"},
                             {"KEAPSYNC_DATABASE_URL", "host=/tmp dbname=other"},
                             {"KEAPSYNC_LISTEN", "127.0.0.1:0"},
                             {"KEAPSYNC_ACCOUNTS_SHOP_AUTH", "api_key"},
                             {"KEAPSYNC_ACCOUNTS_SHOP_API_KEY_FILE", key_file}});
  ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors.front().to_string());
  EXPECT_EQ(result.config->worker.concurrency, 16);
  EXPECT_EQ(result.config->database.url, "host=/tmp dbname=other");
  EXPECT_EQ(result.config->listen, "127.0.0.1:0");
  ASSERT_EQ(result.config->accounts.count("shop"), 1u);
  EXPECT_EQ(result.config->accounts.at("shop").api_key_file, key_file);
}

TEST_F(ConfigLoader, EnvironmentErrorsNameTheVariable) {
  EXPECT_EQ(only_error(base(), {{"KEAPSYNC_WORKER_CONCURRENCY", "many"}}),
            "environment KEAPSYNC_WORKER_CONCURRENCY: worker.concurrency: expected an integer from "
            "1 to 256, got \"many\"");
  EXPECT_NE(only_error(base(), {{"KEAPSYNC_WORKR_CONCURRENCY", "2"}})
                .find("environment KEAPSYNC_WORKR_CONCURRENCY: matches no configuration key"),
            std::string::npos);
}

TEST_F(ConfigLoader, PreviousTokenKeysAreAListOfReadableFiles) {
  const auto current = dir.write_secret("current", "k1-secret-material");
  const auto old = dir.write_secret("old", "k0-secret-material");
  const auto ok = parse(base() + "token_encryption_key_file: " + current +
                        "\ntoken_encryption_previous_key_files: [" + old + "]\n");
  ASSERT_TRUE(ok.config) << (ok.errors.empty() ? "" : ok.errors.front().to_string());
  EXPECT_EQ(ok.config->token_encryption_previous_key_files, std::vector<std::string>{old});
  EXPECT_NE(only_error(base() + "token_encryption_key_file: " + current +
                       "\ntoken_encryption_previous_key_files: [" + dir.path() + "/gone]\n")
                .find("keapsync.yaml:8:39: token_encryption_previous_key_files[0]: cannot read"),
            std::string::npos);
  EXPECT_NE(only_error(base() + "token_encryption_previous_key_files: [" + old + "]\n")
                .find("needs token_encryption_key_file"),
            std::string::npos);
}

TEST_F(ConfigLoader, InvalidYamlReportsLine) {
  EXPECT_NE(only_error("database:\n  url: [unclosed\n").find("keapsync.yaml:3:1: not valid YAML"),
            std::string::npos);
}

TEST_F(ConfigLoader, MissingFile) {
  const auto result = load_config(dir.path() + "/nope.yaml", {});
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            dir.path() + "/nope.yaml: cannot read the configuration file");
}

TEST_F(ConfigLoader, ExampleConfigIsValid) {
  // The shipped example must stay loadable: its secret paths are resolved in
  // a credentials directory made here.
  const std::string example = std::string(KEAPSYNC_SOURCE_DIR) + "/config/keapsync.example.yaml";
  std::ifstream in(example);
  ASSERT_TRUE(in) << example;
  std::stringstream text;
  text << in.rdbuf();
  const std::string yaml = text.str();
  // The names systemd's LoadCredential= gives the copies in $CREDENTIALS_DIRECTORY.
  for (const std::string file :
       {"keapsync_client-secret", "keapsync_api-key", "keapsync_token-key"}) {
    ASSERT_NE(yaml.find(": " + file), std::string::npos) << file;
    dir.write_secret(file,
                     file == "keapsync_token-key" ? std::string(64, 'a') : "secret-value-123");
  }
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  const auto result = parse(yaml);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  for (const auto& e : result.errors)
    ADD_FAILURE() << e.to_string();
  ASSERT_TRUE(result.config);
  EXPECT_TRUE(result.config->token_encryption);
}

TEST(Duration, ParsesAndFormats) {
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(168));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("5 s"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("99999999999999999999d"));
  EXPECT_EQ(format_duration(std::chrono::seconds(90)), "1m30s");
}

}  // namespace
}  // namespace keapsync::config
