// Versioned migrations under pg_advisory_xact_lock.
#include "db/migrator.hpp"

#include <pqxx/pqxx>

#include <string>

namespace keapsync::db {
namespace {

// Any fixed 64-bit key; "keapsync" in ASCII.
constexpr long long kMigrationLockKey = 0x6b65617073796e63LL;

}  // namespace

Migrator::Migrator(std::span<const Migration> migrations) : migrations_(migrations) {}

int Migrator::latest_version() const {
  return migrations_.empty() ? 0 : migrations_.back().version;
}

int Migrator::current_version(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  const auto exists = tx.exec1("SELECT to_regclass('keapsync.schema_migrations') IS NOT NULL");
  if (!exists[0].as<bool>()) return 0;
  return tx.exec1("SELECT coalesce(max(version), 0) FROM keapsync.schema_migrations")[0].as<int>();
}

MigrationReport Migrator::migrate(pqxx::connection& conn) const {
  pqxx::work tx(conn);
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
  const auto owner = tx.exec1(
      "SELECT (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'keapsync'),"
      " current_user::text");
  if (!owner[0].is_null() && owner[0].as<std::string>() != owner[1].as<std::string>()) {
    const auto by = owner[0].as<std::string>();
    throw SchemaOwnedByAnother("schema keapsync is owned by role \"" + by + "\", not by \"" +
                               owner[1].as<std::string>() + "\" who runs migrate: connect as \"" +
                               by +
                               "\" (set database.migrate_url), or have it hand the schema and "
                               "its objects to the migrating role first");
  }
  tx.exec("CREATE SCHEMA IF NOT EXISTS keapsync");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS keapsync.schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  MigrationReport report;
  report.from_version =
      tx.exec1("SELECT coalesce(max(version), 0) FROM keapsync.schema_migrations")[0].as<int>();
  if (report.from_version > latest_version()) {
    throw SchemaTooNew("the database schema is at version " + std::to_string(report.from_version) +
                       " but this keapsync knows versions up to " +
                       std::to_string(latest_version()) +
                       ": upgrade keapsync (never run an older binary against a newer schema)");
  }
  for (const auto& m : migrations_) {
    if (m.version <= report.from_version) continue;
    tx.exec(m.sql);
    tx.exec_params("INSERT INTO keapsync.schema_migrations (version, name) VALUES ($1, $2)",
                   m.version, std::string(m.name));
    report.applied.push_back(m.version);
  }
  tx.commit();
  report.to_version = std::max(report.from_version, latest_version());
  return report;
}

}  // namespace keapsync::db
