// Applies the schema migrations in order under an advisory lock, so that
// concurrent runs (two hosts upgrading at once) are safe.
#pragma once

#include <pqxx/connection>
#include <span>
#include <stdexcept>
#include <vector>

#include "db/migration.hpp"

namespace keapsync::db {

// The database holds a schema newer than this binary knows.
class SchemaTooNew : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The schema exists but belongs to another role than the one migrating: its
// objects would end up with two owners, and the roles' grants would not hold.
class SchemaOwnedByAnother : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<int> applied;
};

class Migrator {
 public:
  explicit Migrator(std::span<const Migration> migrations = all_migrations());

  // Brings the schema to the newest version in one transaction.
  // Throws SchemaTooNew, SchemaOwnedByAnother, or pqxx errors when the
  // database fails.
  MigrationReport migrate(pqxx::connection& conn) const;

  // The version recorded in the database (0: no schema yet).
  static int current_version(pqxx::connection& conn);

  int latest_version() const;

 private:
  std::span<const Migration> migrations_;
};

}  // namespace keapsync::db
