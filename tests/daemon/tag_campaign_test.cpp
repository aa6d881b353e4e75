// Tags through the whole daemon: contacts that need the same tag at the same
// time share applyTags / removeTags calls, every contact ends up with exactly
// what its rows say, and a tag removed and added again is sent as both.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "daemon_fixture.hpp"

namespace keapsync {
namespace {

TEST_F(Daemon, ContactsThatNeedOneTagAtOnceShareItsCalls) {
  testing::SandboxProcess keap{roomy_sandbox("faults: {latency_ms: 100}\n")};
  // Limits and concurrency that let all of them be in flight at once.
  const auto cfg = config("  concurrency: 64\n", "info", &keap);
  std::ofstream(cfg, std::ios::app) << "    concurrency: 40\n"
                                       "    requests_per_minute: 6000\n"
                                       "    requests_per_second: 100\n";
  auto daemon = start(cfg);
  constexpr int kContacts = 40;
  for (int i = 0; i < kContacts; ++i) {
    db.insert("c" + std::to_string(i), R"({"email":"c)" + std::to_string(i) +
                                           R"(@example.com","tags_add":["VIP","Spring"]})");
  }
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  // Half of them leave the campaign again.
  for (int i = 0; i < kContacts; i += 2)
    db.insert("c" + std::to_string(i), R"({"tags_remove":["Spring"]})");
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);

  const auto contacts = sandbox_contacts(keap);
  ASSERT_EQ(contacts.size(), static_cast<std::size_t>(kContacts));
  for (const auto& c : contacts) {
    const auto email = email_of(c);
    const int i = std::stoi(email.substr(1));
    EXPECT_EQ(c.at("tag_ids").as_array().size(), i % 2 == 0 ? 1u : 2u) << email;
  }
  const auto applied = requests(keap, "POST /rest/v2/tags/{id}/contacts:applyTags", "200");
  const auto removed = requests(keap, "POST /rest/v2/tags/{id}/contacts:removeTags", "204");
  // One call per contact and tag would be 80 and 20.
  EXPECT_GE(applied, 2);
  EXPECT_LE(applied, 2 * kContacts / 4) << "applyTags calls";
  EXPECT_LE(removed, kContacts / 2 / 4) << "removeTags calls";
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ATagRemovedAndAddedAgainIsTakenOffAndPutBack) {
  // How a shop fires a tag's campaign again: both rows pending at one claim.
  const auto cfg = config();
  {
    auto daemon = start(cfg);
    db.insert("r", R"({"email":"r@example.com","tags_add":["VIP"]})");
    ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
    EXPECT_EQ(daemon.stop(SIGTERM), 0);
  }
  db.insert("r", R"({"tags_remove":["VIP"]})");
  db.insert("r", R"({"tags_add":["VIP"]})");
  db.insert("r", R"({"tags_add":["VIP"]})");  // added twice in a row: sent once
  auto daemon = start(cfg);
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/tags/{id}/contacts:removeTags", "204"), 1);
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/tags/{id}/contacts:applyTags", "200"), 2);
  // Put back, so the removal went first.
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].at("tag_ids").as_array().size(), 1u) << boost::json::serialize(contacts);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ATagAddedByIdThenRemovedByNameEndsOff) {
  const auto cfg = config();
  std::string vip;
  {
    auto daemon = start(cfg);
    db.insert("r", R"({"email":"r@example.com","tags_add":["VIP"]})");
    ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
    vip = std::string(sandbox_contacts().at(0).at("tag_ids").at(0).as_string());  // "100"
    EXPECT_EQ(daemon.stop(SIGTERM), 0);
  }
  db.insert("r", R"({"tags_add":[)" + vip + "]}");
  db.insert("r", R"({"tags_remove":["VIP"]})");
  auto daemon = start(cfg);
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_TRUE(sandbox_contacts().at(0).at("tag_ids").as_array().empty())
      << boost::json::serialize(sandbox_contacts());
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace keapsync
