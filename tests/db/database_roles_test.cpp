// The three roles of docs/operations.md against a real server: the owner
// migrates, the daemon's role has DML and no DDL, the shop's role can only
// insert into the outbox or call enqueue.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "db/migrator.hpp"
#include "db/role_grants.hpp"
#include "support/migrated_database.hpp"
#include "support/test_role.hpp"

namespace keapsync::db {
namespace {

class DatabaseRoles : public ::testing::Test {
 protected:
  testing::MigratedDatabase db;
  testing::TestRole daemon{db.url(), "daemon"};
  testing::TestRole shop{db.url(), "shop"};

  // The error of `sql` run as the role of `url`; "" when it succeeds.
  static std::string refusal(const std::string& url, const std::string& sql) {
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    try {
      tx.exec(sql);
      tx.commit();
      return "";
    } catch (const pqxx::sql_error& e) {
      return e.what();
    }
  }

  static std::string scalar(const std::string& url, const std::string& sql) {
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    const auto r = tx.exec1(sql);
    tx.commit();
    return r[0].as<std::string>();
  }
};

class Notifications : public pqxx::notification_receiver {
 public:
  explicit Notifications(pqxx::connection_base& conn)
      : pqxx::notification_receiver(conn, "keapsync_outbox") {}
  void operator()(const std::string&, int) override { ++received; }
  int received = 0;
};

TEST_F(DatabaseRoles, ShopRoleInsertsAndEnqueuesAndReadsNothing) {
  shop.grant(Grantee::shop);
  daemon.grant(Grantee::daemon);
  pqxx::connection listener(daemon.url());  // the daemon LISTENs as its own role
  Notifications notifications(listener);

  const auto id = scalar(shop.url(),
                         "INSERT INTO keapsync.outbox (contact_ref, payload)"
                         " VALUES ('cust-1', '{\"email\":\"a@b.example\"}') RETURNING id");
  const auto enqueued = scalar(shop.url(), "SELECT keapsync.enqueue('cust-2', 'upsert', '{}')");
  // The trigger, running as the owner, made the lanes the shop cannot touch.
  EXPECT_EQ(db.scalar("SELECT first_id FROM keapsync.lane WHERE contact_ref = 'cust-1'"), id);
  EXPECT_EQ(db.scalar("SELECT first_id FROM keapsync.lane WHERE contact_ref = 'cust-2'"), enqueued);
  ASSERT_GT(listener.await_notification(10, 0), 0) << "no NOTIFY within 10 s";
  EXPECT_GT(notifications.received, 0);

  for (const char* table : {"credentials", "contact_map", "lane", "tag_name", "refresh_attempt",
                            "contact_create", "schema_migrations"}) {
    EXPECT_NE(refusal(shop.url(), std::string("SELECT * FROM keapsync.") + table)
                  .find("permission denied for table"),
              std::string::npos)
        << table;
  }
  for (const char* sql : {
           "SELECT payload FROM keapsync.outbox",
           "INSERT INTO keapsync.outbox (contact_ref, state) VALUES ('x', 'dead')",
           "INSERT INTO keapsync.outbox (contact_ref, attempts) VALUES ('x', 99)",
           "UPDATE keapsync.outbox SET op = 'delete'",
           "DELETE FROM keapsync.outbox",
           "INSERT INTO keapsync.lane (account, contact_ref, first_id) VALUES ('default', 'x', 1)",
           "UPDATE keapsync.credentials SET state = 'ok'",
           "INSERT INTO keapsync.contact_map (account, contact_ref, keap_id) VALUES ('d', 'x', "
           "'1')",
           "SELECT keapsync.ts_to_us(now())",
       }) {
    EXPECT_NE(refusal(shop.url(), sql).find("permission denied"), std::string::npos) << sql;
  }
}

TEST_F(DatabaseRoles, AGrantLeavesTheShopOnlyItsOwnPrivileges) {
  // Before schema 6 a shop's role needed the lanes: a re-grant takes them back.
  const auto q = db.conn().quote_name(shop.name());
  db.scalar("GRANT USAGE ON SCHEMA keapsync TO " + q +
            "; GRANT ALL ON ALL TABLES IN SCHEMA keapsync TO " + q + "; SELECT 1");
  EXPECT_EQ(refusal(shop.url(), "SELECT * FROM keapsync.credentials"), "");
  shop.grant(Grantee::shop);
  EXPECT_NE(refusal(shop.url(), "SELECT * FROM keapsync.credentials")
                .find("permission denied for table credentials"),
            std::string::npos);
}

TEST_F(DatabaseRoles, DaemonRoleHasDmlButNoDdl) {
  daemon.grant(Grantee::daemon);
  EXPECT_EQ(scalar(daemon.url(), "SELECT count(*) FROM keapsync.credentials"), "0");
  EXPECT_EQ(scalar(daemon.url(), "SELECT nextval('keapsync.lease_token_seq')"), "1");
  EXPECT_EQ(refusal(daemon.url(),
                    "INSERT INTO keapsync.contact_map (account, contact_ref, keap_id)"
                    " VALUES ('default', 'a', '1'); DELETE FROM keapsync.contact_map"),
            "");
  for (const char* sql : {
           "CREATE TABLE keapsync.x (a int)",
           "CREATE FUNCTION keapsync.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
           "ALTER TABLE keapsync.outbox ADD COLUMN x int",
           "DROP TABLE keapsync.lane",
           "CREATE OR REPLACE FUNCTION keapsync.enqueue(contact_ref text, op text, payload jsonb "
           "DEFAULT NULL, account text DEFAULT 'default') RETURNS bigint LANGUAGE sql AS "
           "'SELECT 1::bigint'",
           "TRUNCATE keapsync.outbox",
           "INSERT INTO keapsync.schema_migrations (version, name) VALUES (99, 'x')",
       }) {
    const auto why = refusal(daemon.url(), sql);
    EXPECT_TRUE(why.find("permission denied") != std::string::npos ||
                why.find("must be owner") != std::string::npos)
        << sql << ": " << why;
  }
  // A table of a later migration follows by default privileges, for the daemon only.
  db.scalar("CREATE TABLE keapsync.later (a int); SELECT 1");
  EXPECT_EQ(scalar(daemon.url(), "SELECT count(*) FROM keapsync.later"), "0");
  shop.grant(Grantee::shop);
  EXPECT_NE(refusal(shop.url(), "SELECT * FROM keapsync.later").find("permission denied"),
            std::string::npos);
}

TEST_F(DatabaseRoles, NoFunctionIsLeftToPublicAndDefinersPinTheirSearchPath) {
  EXPECT_EQ(db.scalar("SELECT string_agg(proname, ',') FROM pg_proc"
                      " WHERE pronamespace = 'keapsync'::regnamespace AND (proacl IS NULL OR"
                      " EXISTS (SELECT 1 FROM aclexplode(proacl) a WHERE a.grantee = 0))"),
            "NULL");
  EXPECT_EQ(db.scalar("SELECT string_agg(proname || ' ' || array_to_string(proconfig, ','), ';'"
                      " ORDER BY proname) FROM pg_proc"
                      " WHERE pronamespace = 'keapsync'::regnamespace AND prosecdef"),
            "enqueue search_path=pg_catalog, pg_temp;outbox_enqueued search_path=pg_catalog, "
            "pg_temp");
}

TEST_F(DatabaseRoles, RefusesAMissingRoleASuperuserAndTheOwner) {
  const auto refused = [&](const std::string& role) {
    pqxx::work tx(db.conn());
    try {
      grant_statements(tx, Grantee::shop, role, "--grant-shop");
      return std::string();
    } catch (const GrantRefused& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(refused("no such role"),
            "--grant-shop: role \"no such role\" does not exist: create it first (CREATE ROLE "
            "\"no such role\" LOGIN)");
  const auto admin = db.scalar("SELECT current_user");  // the test server's superuser
  EXPECT_NE(refused(admin).find("is a superuser"), std::string::npos);
  db.scalar("ALTER SCHEMA keapsync OWNER TO " + db.conn().quote_name(daemon.name()) + "; SELECT 1");
  EXPECT_NE(refused(daemon.name()).find("owns the schema keapsync"), std::string::npos);
  db.scalar("ALTER SCHEMA keapsync OWNER TO " + db.conn().quote_name(admin) + "; SELECT 1");
}

TEST_F(DatabaseRoles, MigrateRefusesASchemaOwnedByAnotherRole) {
  testing::TestDatabase fresh;
  testing::TestRole owner{fresh.url(), "owner"};
  pqxx::connection conn(fresh.url());
  const auto admin = pqxx::read_transaction(conn).exec1("SELECT current_user")[0].as<std::string>();
  {
    pqxx::work tx(conn);
    tx.exec("CREATE SCHEMA keapsync AUTHORIZATION " + tx.quote_name(owner.name()));
    tx.commit();
  }
  try {
    Migrator().migrate(conn);
    FAIL() << "expected SchemaOwnedByAnother";
  } catch (const SchemaOwnedByAnother& e) {
    EXPECT_EQ(std::string(e.what()),
              "schema keapsync is owned by role \"" + owner.name() + "\", not by \"" + admin +
                  "\" who runs migrate: connect as \"" + owner.name() +
                  "\" (set database.migrate_url), or have it hand the schema and its objects to "
                  "the migrating role first");
  }
  EXPECT_EQ(Migrator::current_version(conn), 0);
}

}  // namespace
}  // namespace keapsync::db
