// A tag campaign through the whole daemon: contacts that need the same tag at
// the same time share applyTags / removeTags calls, and every contact ends up
// with exactly what its rows say.
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

}  // namespace
}  // namespace keapsync
