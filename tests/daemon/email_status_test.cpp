// Opt-out and opt-in rows through the whole daemon: the address's status in
// Keap follows the rows in order, an upsert never opts an opted-out address in
// again, and an address Keap does not hold goes dead with the reason.
#include <gtest/gtest.h>
#include <signal.h>

#include "daemon_fixture.hpp"

namespace keapsync {
namespace {

std::string status_of(const boost::json::array& contacts) {
  for (const auto& c : contacts)
    for (const auto& e : c.at("email_addresses").as_array())
      if (e.at("email").as_string() == "ann@example.com")
        return std::string(e.at("email_opt_status").as_string());
  return "no such address";
}

TEST_F(Daemon, OptOutAndOptInRowsSetTheAddresssStatusInOrder) {
  auto daemon = start(config());
  db.insert("ann", R"({"email":"ann@example.com","opt_in_reason":"Checkout box"})");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(status_of(sandbox_contacts()), "SINGLE_OPT_IN");

  db.insert("ann", R"({"email":"ann@example.com","reason":"Unsubscribed in the shop"})", "opt_out");
  db.insert("ann", R"({"given_name":"Ann"})");  // an upsert after it opts nobody in
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(status_of(sandbox_contacts()), "MANUAL");

  db.insert("ann", R"({"email":"ann@example.com","reason":"Subscribed again"})", "opt_in");
  const auto stranger =
      db.insert("bob", R"({"email":"bob@example.com","reason":"Unsubscribed"})", "opt_out");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(status_of(sandbox_contacts()), "SINGLE_OPT_IN");
  EXPECT_EQ(
      db.scalar("SELECT last_error FROM keapsync.outbox WHERE id = " + std::to_string(stranger)),
      "opt_out: Keap has no e-mail address bob@example.com (send an upsert with it first)");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace keapsync
