// The refresh journal's SQL; its connection is reopened after any failure.
#include "db/refresh_journal.hpp"

#include "db/connection_check.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {

pqxx::connection& RefreshJournal::connection() {
  // Idle for most of a day between refreshes: the server may have ended it.
  if (!conn_ || !idle_and_alive(*conn_)) conn_ = std::make_unique<pqxx::connection>(url_);
  return *conn_;
}

std::optional<RefreshAttempt> read_refresh_attempt(pqxx::connection& conn,
                                                   const std::string& account) {
  pqxx::work tx(conn);
  const auto r = tx.exec_params(
      "SELECT version, keapsync.ts_to_us(started_at), keapsync.ts_to_us(finished_at),"
      " coalesce(outcome, ''),"
      " (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint"
      " FROM keapsync.refresh_attempt WHERE account = $1",
      account);
  tx.commit();
  if (r.empty()) return std::nullopt;
  RefreshAttempt a;
  a.version = r[0][0].as<std::int64_t>();
  a.started_at = from_micros(r[0][1].as<std::int64_t>());
  if (!r[0][2].is_null()) a.finished_at = from_micros(r[0][2].as<std::int64_t>());
  a.outcome = r[0][3].as<std::string>();
  a.age = std::chrono::milliseconds(r[0][4].as<std::int64_t>());
  return a;
}

std::optional<RefreshAttempt> RefreshJournal::last(const std::string& account) {
  try {
    return read_refresh_attempt(connection(), account);
  } catch (...) {
    conn_.reset();
    throw;
  }
}

void RefreshJournal::started(const std::string& account, std::int64_t version) {
  try {
    pqxx::work tx(connection());
    tx.exec("SET LOCAL synchronous_commit = on");
    tx.exec_params(
        "INSERT INTO keapsync.refresh_attempt (account, version, started_at)"
        " VALUES ($1, $2, clock_timestamp())"
        " ON CONFLICT (account) DO UPDATE SET version = excluded.version,"
        "   started_at = excluded.started_at, finished_at = NULL, outcome = NULL",
        account, version);
    tx.commit();
  } catch (...) {
    conn_.reset();
    throw;
  }
}

void RefreshJournal::finished(const std::string& account, std::int64_t version,
                              const std::string& outcome) noexcept {
  try {
    pqxx::work tx(connection());
    tx.exec_params(
        "UPDATE keapsync.refresh_attempt SET finished_at = clock_timestamp(), outcome = $3"
        " WHERE account = $1 AND version = $2 AND finished_at IS NULL",
        account, version, outcome);
    tx.commit();
  } catch (...) {
    conn_.reset();
  }
}

}  // namespace keapsync::db
