// The refresh journal's SQL; its connection is reopened after any failure.
#include "db/refresh_journal.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {

pqxx::connection& RefreshJournal::connection() {
  if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pqxx::connection>(url_);
  return *conn_;
}

std::optional<RefreshAttempt> RefreshJournal::last(const std::string& account) {
  try {
    pqxx::work tx(connection());
    const auto r = tx.exec_params(
        "SELECT version, keapsync.ts_to_us(started_at), keapsync.ts_to_us(finished_at),"
        " coalesce(outcome, '') FROM keapsync.refresh_attempt WHERE account = $1",
        account);
    tx.commit();
    if (r.empty()) return std::nullopt;
    RefreshAttempt a;
    a.version = r[0][0].as<std::int64_t>();
    a.started_at = from_micros(r[0][1].as<std::int64_t>());
    if (!r[0][2].is_null()) a.finished_at = from_micros(r[0][2].as<std::int64_t>());
    a.outcome = r[0][3].as<std::string>();
    return a;
  } catch (...) {
    conn_.reset();
    throw;
  }
}

void RefreshJournal::started(const std::string& account, std::int64_t version, Timestamp now) {
  try {
    pqxx::work tx(connection());
    tx.exec("SET LOCAL synchronous_commit = on");
    tx.exec_params(
        "INSERT INTO keapsync.refresh_attempt (account, version, started_at)"
        " VALUES ($1, $2, keapsync.us_to_ts($3))"
        " ON CONFLICT (account) DO UPDATE SET version = excluded.version,"
        "   started_at = excluded.started_at, finished_at = NULL, outcome = NULL",
        account, version, to_micros(now));
    tx.commit();
  } catch (...) {
    conn_.reset();
    throw;
  }
}

void RefreshJournal::finished(const std::string& account, std::int64_t version,
                              const std::string& outcome, Timestamp now) noexcept {
  try {
    pqxx::work tx(connection());
    tx.exec_params(
        "UPDATE keapsync.refresh_attempt SET finished_at = keapsync.us_to_ts($3), outcome = $4"
        " WHERE account = $1 AND version = $2 AND finished_at IS NULL",
        account, version, to_micros(now), outcome);
    tx.commit();
  } catch (...) {
    conn_.reset();
  }
}

}  // namespace keapsync::db
