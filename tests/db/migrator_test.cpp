// Schema migrations: versioned, idempotent, safe when run concurrently, and
// refusing a schema newer than the binary; the insert trigger's NOTIFY.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "db/migrator.hpp"
#include "support/migrated_database.hpp"
#include "support/test_database.hpp"

namespace keapsync::db {
namespace {

TEST(Migrator, AppliesEveryMigrationOnceAndRecordsTheVersion) {
  testing::TestDatabase db;
  pqxx::connection conn(db.url());
  Migrator migrator;
  EXPECT_EQ(Migrator::current_version(conn), 0);
  const auto first = migrator.migrate(conn);
  EXPECT_EQ(first.from_version, 0);
  EXPECT_EQ(first.to_version, migrator.latest_version());
  EXPECT_EQ(static_cast<int>(first.applied.size()), migrator.latest_version());
  EXPECT_EQ(Migrator::current_version(conn), migrator.latest_version());

  const auto second = migrator.migrate(conn);
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(second.from_version, migrator.latest_version());
}

TEST(Migrator, ConcurrentRunsApplyEachMigrationExactlyOnce) {
  testing::TestDatabase db;
  constexpr int kRuns = 4;
  std::vector<MigrationReport> reports(kRuns);
  std::vector<std::string> failures(kRuns);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      try {
        pqxx::connection conn(db.url());
        reports[i] = Migrator().migrate(conn);
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  int applied = 0;
  for (int i = 0; i < kRuns; ++i) {
    EXPECT_EQ(failures[i], "") << "run " << i;
    applied += static_cast<int>(reports[i].applied.size());
  }
  EXPECT_EQ(applied, Migrator().latest_version());
  pqxx::connection conn(db.url());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM keapsync.schema_migrations")[0].as<int>(),
            Migrator().latest_version());
}

TEST(Migrator, RefusesASchemaNewerThanTheBinary) {
  testing::TestDatabase db;
  pqxx::connection conn(db.url());
  Migrator().migrate(conn);
  {
    pqxx::work tx(conn);
    tx.exec("INSERT INTO keapsync.schema_migrations (version, name) VALUES (999, 'future')");
    tx.commit();
  }
  try {
    Migrator().migrate(conn);
    FAIL() << "expected SchemaTooNew";
  } catch (const SchemaTooNew& e) {
    EXPECT_NE(std::string(e.what()).find("schema is at version 999"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("upgrade keapsync"), std::string::npos);
  }
}

class Notifications : public pqxx::notification_receiver {
 public:
  explicit Notifications(pqxx::connection_base& conn)
      : pqxx::notification_receiver(conn, "keapsync_outbox") {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

TEST(OutboxTrigger, OneSmallNotificationPerInsertStatement) {
  testing::MigratedDatabase db;
  auto listener = db.connect();
  Notifications received(*listener);
  {
    pqxx::work tx(db.conn());
    tx.exec(
        "INSERT INTO keapsync.outbox (contact_ref, op, payload)"
        " SELECT 'c' || g, 'upsert', '{\"email\":\"secret@example.com\"}' FROM generate_series(1, "
        "500) g");
    tx.commit();
  }
  ASSERT_GT(listener->await_notification(10, 0), 0) << "no NOTIFY within 10 s";
  listener->get_notifs();
  ASSERT_EQ(received.payloads.size(), 1u);
  EXPECT_EQ(received.payloads[0], "");  // never the row
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "500");
}

TEST(OutboxTrigger, EnqueueHelperInsertsARow) {
  testing::MigratedDatabase db;
  const auto id =
      db.scalar("SELECT keapsync.enqueue('cust-1', 'upsert', '{\"email\":\"a@b.example\"}')");
  EXPECT_EQ(
      db.scalar(
          "SELECT contact_ref || '/' || op || '/' || account FROM keapsync.outbox WHERE id = " +
          id),
      "cust-1/upsert/default");
  EXPECT_EQ(db.scalar("SELECT first_id FROM keapsync.lane WHERE contact_ref = 'cust-1'"), id);
}

}  // namespace
}  // namespace keapsync::db
