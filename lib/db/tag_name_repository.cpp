// The tag_name statements.
#include "db/tag_name_repository.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {

std::optional<std::int64_t> TagNameRepository::find(const std::string& account,
                                                    const std::string& name) {
  pqxx::read_transaction tx(conn_);
  const auto r = tx.exec_params(
      "SELECT keap_id FROM keapsync.tag_name WHERE account = $1 AND name = $2 AND keap_id IS NOT "
      "NULL",
      account, name);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::int64_t>();
}

std::optional<std::string> TagNameRepository::claim_creation(const std::string& account,
                                                             const std::string& name,
                                                             std::chrono::milliseconds lease) {
  pqxx::work tx(conn_);
  const auto r = tx.exec_params(
      "INSERT INTO keapsync.tag_name AS t (account, name, creating_until)"
      " VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')"
      " ON CONFLICT (account, name) DO UPDATE SET creating_until = excluded.creating_until"
      " WHERE t.keap_id IS NULL AND t.creating_until < clock_timestamp()"
      " RETURNING creating_until::text",
      account, name, static_cast<std::int64_t>(lease.count()));
  tx.commit();
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

std::optional<std::string> TagNameRepository::hold_creation(const std::string& account,
                                                            const std::string& name,
                                                            const std::string& mark,
                                                            std::chrono::milliseconds lease) {
  pqxx::work tx(conn_);
  const auto r = tx.exec_params(
      "UPDATE keapsync.tag_name SET creating_until ="
      " greatest(creating_until, clock_timestamp() + $4 * interval '1 millisecond')"
      " WHERE account = $1 AND name = $2 AND keap_id IS NULL AND creating_until = $3::timestamptz"
      " RETURNING creating_until::text",
      account, name, mark, static_cast<std::int64_t>(lease.count()));
  tx.commit();
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

bool TagNameRepository::creation_pending(const std::string& account, const std::string& name) {
  pqxx::read_transaction tx(conn_);
  return !tx.exec_params(
                "SELECT 1 FROM keapsync.tag_name WHERE account = $1 AND name = $2"
                " AND keap_id IS NULL AND creating_until > clock_timestamp()",
                account, name)
              .empty();
}

void TagNameRepository::record(const std::string& account, const std::string& name,
                               std::int64_t keap_id) {
  pqxx::work tx(conn_);
  tx.exec_params(
      "INSERT INTO keapsync.tag_name AS t (account, name, keap_id) VALUES ($1, $2, $3)"
      " ON CONFLICT (account, name) DO UPDATE SET keap_id = excluded.keap_id,"
      " creating_until = NULL",
      account, name, keap_id);
  tx.commit();
}

void TagNameRepository::end_creation(const std::string& account, const std::string& name,
                                     const std::string& mark) {
  pqxx::work tx(conn_);
  tx.exec_params(
      "DELETE FROM keapsync.tag_name WHERE account = $1 AND name = $2 AND keap_id IS NULL"
      " AND creating_until = $3::timestamptz",
      account, name, mark);
  tx.commit();
}

void TagNameRepository::forget(const std::string& account, const std::string& name,
                               std::int64_t keap_id) {
  pqxx::work tx(conn_);
  tx.exec_params("DELETE FROM keapsync.tag_name WHERE account = $1 AND name = $2 AND keap_id = $3",
                 account, name, keap_id);
  tx.commit();
}

}  // namespace keapsync::db
