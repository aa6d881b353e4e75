// The daemon under the daemon's role alone, fed by the shop's role: what the
// shop inserts reaches Keap, and bad rows still go dead.
#include <gtest/gtest.h>
#include <signal.h>

#include <pqxx/pqxx>

#include "daemon_fixture.hpp"
#include "db/role_grants.hpp"
#include "support/test_role.hpp"

namespace keapsync {
namespace {

class DaemonRoles : public Daemon {
 protected:
  testing::TestRole daemon_role{db.url(), "daemon"};
  testing::TestRole shop_role{db.url(), "shop"};

  void SetUp() override {
    daemon_role.grant(db::Grantee::daemon);
    shop_role.grant(db::Grantee::shop);
    database_url = daemon_role.url();
  }
};

TEST_F(DaemonRoles, DeliversWhatTheShopRoleInsertsRunningAsTheDaemonRole) {
  auto daemon = start(config());
  {
    pqxx::connection shop(shop_role.url());
    pqxx::work tx(shop);
    tx.exec(
        "INSERT INTO keapsync.outbox (contact_ref, payload) VALUES"
        " ('alice', '{\"email\":\"alice@example.com\",\"tags_add\":[\"VIP\"]}'),"
        " ('carol', '{\"emali\":\"carol@example.com\"}')");
    tx.exec("SELECT keapsync.enqueue('bob', 'upsert', '{\"email\":\"bob@example.com\"}')");
    tx.commit();
  }
  ASSERT_TRUE(db.drained(30s)) << testing::read_file(log_file);
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 2u) << boost::json::serialize(contacts);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "2");
  EXPECT_EQ(db.scalar("SELECT keap_id IS NOT NULL FROM keapsync.tag_name WHERE name = 'VIP'"), "t");
  EXPECT_EQ(db.scalar("SELECT contact_ref FROM keapsync.outbox WHERE state = 'dead'"), "carol");
  EXPECT_NE(db.scalar("SELECT count(*) FROM pg_stat_activity WHERE usename = '" +
                      daemon_role.name() + "'"),
            "0")
      << "the daemon is not connected as its role";
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  const auto log = testing::read_file(log_file);
  EXPECT_EQ(log.find("permission denied"), std::string::npos) << log;
}

}  // namespace
}  // namespace keapsync
