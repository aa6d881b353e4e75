// Connections of the DatabasePool.
#include "db/database_pool.hpp"

#include <pqxx/pqxx>

#include "db/connection_check.hpp"

namespace keapsync::db {

DatabasePool::DatabasePool(std::string url, int threads)
    : url_(std::move(url)), threads_(static_cast<std::size_t>(threads)) {}

DatabasePool::~DatabasePool() {
  threads_.join();
}

std::unique_ptr<pqxx::connection> DatabasePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (idle_and_alive(*conn)) return conn;
    }
  }
  auto conn = std::make_unique<pqxx::connection>(url_);
  // No statement of the daemon waits for ever: not on a row a shop
  // transaction holds, not on a slow server, not inside a forgotten
  // transaction. Statements that must wait longer say so with SET LOCAL.
  pqxx::nontransaction(*conn).exec(
      "SET lock_timeout = '5s'; SET statement_timeout = '30s';"
      " SET idle_in_transaction_session_timeout = '60s'");
  return conn;
}

void DatabasePool::give_back(std::unique_ptr<pqxx::connection> conn) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(conn));
}

void DatabasePool::discard(std::unique_ptr<pqxx::connection> conn) {
  // A failed statement may have left the connection broken; a fresh one is
  // cheap compared with reusing a connection in an unknown state.
  conn.reset();
}

}  // namespace keapsync::db
