// SQL of the contact map.
#include "db/contact_map_repository.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {

std::optional<std::string> ContactMapRepository::find(const std::string& account,
                                                      const std::string& contact_ref) {
  pqxx::read_transaction tx(conn_);
  const auto r = tx.exec_params(
      "SELECT keap_id FROM keapsync.contact_map WHERE account = $1 AND contact_ref = $2", account,
      contact_ref);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

void ContactMapRepository::note_create(const std::string& account, const std::string& contact_ref) {
  pqxx::work tx(conn_);
  tx.exec_params(
      "INSERT INTO keapsync.contact_create (account, contact_ref) VALUES ($1, $2)"
      " ON CONFLICT DO NOTHING",
      account, contact_ref);
  tx.commit();
}

std::optional<std::string> ContactMapRepository::create_search_start(
    const std::string& account, const std::string& contact_ref) {
  pqxx::read_transaction tx(conn_);
  const auto r = tx.exec_params(
      "SELECT to_char((started_at - interval '10 minutes') AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM keapsync.contact_create"
      " WHERE account = $1 AND contact_ref = $2",
      account, contact_ref);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

void remember_keap_id(pqxx::work& tx, const std::string& account, const std::string& contact_ref,
                      const std::string& keap_id) {
  tx.exec_params(
      "INSERT INTO keapsync.contact_map (account, contact_ref, keap_id) VALUES ($1, $2, $3)"
      " ON CONFLICT (account, contact_ref)"
      " DO UPDATE SET keap_id = excluded.keap_id, updated_at = now()",
      account, contact_ref, keap_id);
  tx.exec_params("DELETE FROM keapsync.contact_create WHERE account = $1 AND contact_ref = $2",
                 account, contact_ref);
}

void forget_keap_id(pqxx::work& tx, const std::string& account, const std::string& contact_ref) {
  tx.exec_params("DELETE FROM keapsync.contact_map WHERE account = $1 AND contact_ref = $2",
                 account, contact_ref);
}

}  // namespace keapsync::db
