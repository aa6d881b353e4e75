// Migrated per-test databases.
#include "support/migrated_database.hpp"

#include <thread>

#include "db/migrator.hpp"

namespace keapsync::testing {

MigratedDatabase::MigratedDatabase() : conn_(std::make_unique<pqxx::connection>(db_.url())) {
  db::Migrator().migrate(*conn_);
}

std::unique_ptr<pqxx::connection> MigratedDatabase::connect() const {
  return std::make_unique<pqxx::connection>(db_.url());
}

std::int64_t MigratedDatabase::insert(const std::string& contact_ref, const std::string& payload,
                                      const std::string& op, const std::string& account) {
  pqxx::work tx(*conn_);
  const auto r = tx.exec_params1(
      "INSERT INTO keapsync.outbox (account, contact_ref, op, payload)"
      " VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
      account, contact_ref, op, payload);
  tx.commit();
  return r[0].as<std::int64_t>();
}

std::string MigratedDatabase::scalar(const std::string& sql) {
  const auto once = [&] {
    pqxx::work tx(*conn_);
    const auto r = tx.exec1(sql);
    tx.commit();
    return r[0].is_null() ? std::string("NULL") : r[0].as<std::string>();
  };
  try {
    return once();
  } catch (const pqxx::broken_connection&) {
    conn_ = connect();
    return once();
  }
}

bool MigratedDatabase::drained(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (scalar("SELECT count(*) FROM keapsync.outbox WHERE state = 'pending'") != "0") {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace keapsync::testing
