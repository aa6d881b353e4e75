// A reload names every setting it cannot apply to a running daemon.
#include "config/config_diff.hpp"

#include <gtest/gtest.h>

namespace keapsync::config {
namespace {

using Names = std::vector<std::string>;

TEST(ConfigDiff, TheSameConfigNeedsNoRestart) {
  Config c;
  c.accounts["shop"].api_key_file = "/etc/keapsync/api-key";
  EXPECT_EQ(changes_needing_restart(c, c), Names{});
}

TEST(ConfigDiff, TheLogLevelIsNotListedEverythingElseIsBySection) {
  Config running;
  Config loaded;
  loaded.log.level = LogLevel::debug;
  EXPECT_EQ(changes_needing_restart(running, loaded), Names{});

  loaded.worker.concurrency = 8;
  loaded.keap.token_refresh_fraction = 0.5;
  loaded.accounts["shop"].create_missing_tags = false;
  loaded.log.format = LogFormat::text;
  loaded.token_encryption_previous_key_files = {"/etc/keapsync/old-key"};
  EXPECT_EQ(
      changes_needing_restart(running, loaded),
      (Names{"worker", "keap", "accounts", "log.format", "token_encryption_previous_key_files"}));

  Config moved;
  moved.database.url = "host=/run/postgresql dbname=other";
  moved.listen = "127.0.0.1:9999";
  moved.listen_allow_remote = true;
  moved.token_encryption_key_file = "/etc/keapsync/new-key";
  EXPECT_EQ(changes_needing_restart(running, moved),
            (Names{"database", "listen", "token_encryption_key_file"}));
}

}  // namespace
}  // namespace keapsync::config
