// A fresh test database with the keapsync schema applied, and SQL shortcuts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "support/test_database.hpp"

namespace keapsync::testing {

class MigratedDatabase {
 public:
  MigratedDatabase();

  const std::string& url() const { return db_.url(); }
  const std::string& name() const { return db_.name(); }
  pqxx::connection& conn() { return *conn_; }
  std::unique_ptr<pqxx::connection> connect() const;

  // Inserts one row the way a shop does; returns its id.
  std::int64_t insert(const std::string& contact_ref, const std::string& payload = "{}",
                      const std::string& op = "upsert", const std::string& account = "default");
  // Runs one statement and returns the first column of its first row; opens a
  // new session first when a test has killed this one (a database outage).
  std::string scalar(const std::string& sql);
  // Waits until no row is pending (dead rows stay), at most `timeout`.
  bool drained(std::chrono::milliseconds timeout);

 private:
  TestDatabase db_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace keapsync::testing
