// `keapsync migrate` with the three roles: it connects as the owner
// (database.migrate_url), grants the daemon's and the shop's roles or prints
// the SQL, refuses another owner's schema; status and the dead-letter desk
// work as the daemon's role alone.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "support/test_role.hpp"

namespace keapsync::cli {
namespace {

class MigrateRoles : public ::testing::Test {
 protected:
  testing::TempDir dir;
  testing::TestDatabase db;
  testing::TestRole daemon{db.url(), "daemon"};
  testing::TestRole shop{db.url(), "shop"};

  // The daemon's configuration: run as the daemon's role, migrate as the owner.
  std::string config(const std::string& url, const std::string& migrate_url = "") {
    const auto key = dir.write_secret("api-key", "KeapAK-cli-test-key-0001\n");
    return dir.write("keapsync.yaml",
                     "database:\n  url: \"" + url + "\"\n" +
                         (migrate_url.empty() ? "" : "  migrate_url: \"" + migrate_url + "\"\n") +
                         "accounts:\n  default:\n    auth: api_key\n    api_key_file: " + key +
                         "\n");
  }

  testing::ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), KEAPSYNC_BINARY);
    return testing::run_process(args);
  }

  static void sql(const std::string& url, const std::string& statement) {
    pqxx::connection conn(url);
    pqxx::work tx(conn);
    tx.exec(statement);
    tx.commit();
  }
};

TEST_F(MigrateRoles, PrintsTheGrantsAndChangesNothing) {
  const auto r = run({"migrate", "-c", config(db.url()), "--print", "--grant-shop", shop.name()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto q = "\"" + shop.name() + "\"";
  EXPECT_EQ(r.out.rfind("-- --grant-shop " + q + "\n", 0), 0u) << r.out;
  for (const auto& line : {
           "REVOKE ALL ON ALL TABLES IN SCHEMA keapsync FROM " + q + ";\n",
           "GRANT USAGE ON SCHEMA keapsync TO " + q + ";\n",
           "GRANT INSERT (account, contact_ref, op, payload), SELECT (id) ON keapsync.outbox TO " +
               q + ";\n",
           "GRANT EXECUTE ON FUNCTION keapsync.enqueue(text, text, jsonb, text) TO " + q + ";\n",
       }) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << r.out;
  }
  EXPECT_EQ(r.out.find("GRANT SELECT, INSERT"), std::string::npos) << r.out;
  const auto both = run({"migrate", "-c", config(db.url()), "--print", "--grant-daemon",
                         daemon.name(), "--grant-shop", shop.name()});
  EXPECT_NE(both.out.find("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA keapsync "
                          "TO \"" +
                          daemon.name() + "\";\n"),
            std::string::npos)
      << both.out;
  EXPECT_NE(both.out.find("ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync GRANT SELECT, INSERT, "
                          "UPDATE, DELETE ON TABLES TO \"" +
                          daemon.name() + "\";\n"),
            std::string::npos)
      << both.out;
  // Nothing was migrated, let alone granted.
  pqxx::connection conn(db.url());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_namespace WHERE nspname = 'keapsync'")[0].as<int>(),
            0);
}

TEST_F(MigrateRoles, TheDaemonRoleRunsStatusAndTheDeadLetterDeskAfterTheOwnerMigrates) {
  const auto as_daemon = config(daemon.url());
  // The daemon's role cannot create the schema: migrate needs the owner.
  const auto refused = run({"migrate", "-c", as_daemon});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("permission denied"), std::string::npos) << refused.err;

  const auto cfg = config(daemon.url(), db.url());
  const auto r =
      run({"migrate", "-c", cfg, "--grant-daemon", daemon.name(), "--grant-shop", shop.name()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("migrated from version 0 to"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("role \"" + daemon.name() + "\" has the daemon's privileges"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("role \"" + shop.name() + "\" has the shop's privileges"), std::string::npos)
      << r.out;

  sql(shop.url(),
      "INSERT INTO keapsync.outbox (contact_ref, payload) VALUES ('a', '{}'), ('b', '{}')");
  sql(db.url(),
      "UPDATE keapsync.outbox SET state = 'dead', last_error = 'Keap said 400',"
      " dead_at = now() WHERE contact_ref = 'b'");
  const auto status = run({"status", "-c", cfg, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto doc = boost::json::parse(status.out).as_array().at(0).as_object();
  EXPECT_EQ(doc.at("pending_rows").as_int64(), 1);
  EXPECT_EQ(doc.at("dead_rows").as_int64(), 1);

  const auto list = run({"dead", "list", "-c", cfg, "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto id = std::to_string(boost::json::parse(list.out).as_array().at(0).at("id").as_int64());
  const auto retry = run({"dead", "retry", "-c", cfg, "--id", id});
  EXPECT_NE(retry.out.find("1 dead row(s) queued again"), std::string::npos) << retry.err;
  sql(db.url(), "UPDATE keapsync.outbox SET state = 'dead', dead_at = now()");
  const auto discard = run({"dead", "discard", "-c", cfg, "--all"});
  EXPECT_NE(discard.out.find("2 dead row(s) discarded"), std::string::npos) << discard.err;

  // Again: up to date, and the grants are the same.
  const auto again = run({"migrate", "-c", cfg, "--grant-daemon", daemon.name()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("up to date"), std::string::npos) << again.out;
}

TEST_F(MigrateRoles, RefusesBadGrantsAndASchemaOfAnotherOwner) {
  const auto cfg = config(db.url());
  const auto alone = run({"migrate", "-c", cfg, "--print"});
  EXPECT_EQ(alone.exit_code, 64);
  EXPECT_NE(alone.err.find("--print prints the GRANTs of --grant-daemon ROLE or --grant-shop ROLE"),
            std::string::npos)
      << alone.err;
  const auto same =
      run({"migrate", "-c", cfg, "--grant-daemon", shop.name(), "--grant-shop", shop.name()});
  EXPECT_EQ(same.exit_code, 64);
  EXPECT_NE(same.err.find("name the same role"), std::string::npos) << same.err;
  const auto missing = run({"migrate", "-c", cfg, "--grant-shop", "nobody_here"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("--grant-shop: role \"nobody_here\" does not exist: create it first"),
            std::string::npos)
      << missing.err;

  testing::TestDatabase other;
  testing::TestRole owner{other.url(), "owner"};
  sql(other.url(), "CREATE SCHEMA keapsync AUTHORIZATION \"" + owner.name() + "\"");
  const auto foreign = run({"migrate", "-c", config(other.url())});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("schema keapsync is owned by role \"" + owner.name() + "\""),
            std::string::npos)
      << foreign.err;
  EXPECT_NE(foreign.err.find("set database.migrate_url"), std::string::npos) << foreign.err;
}

TEST_F(MigrateRoles, CheckConfigWarnsAboutAnUnverifiedRemoteMigrateUrl) {
  const auto r = run({"check-config", "-c", config(db.url(), "host=db.example.com dbname=x")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("warning: database.migrate_url: db.example.com is reached over TCP without "
                       "sslmode=verify-full"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("warning: database.url"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace keapsync::cli
