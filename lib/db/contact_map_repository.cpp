// SQL of the contact map.
#include "db/contact_map_repository.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {

void ContactMapRepository::note_create(const std::string& account, const std::string& contact_ref) {
  pqxx::work tx(conn_);
  tx.exec_params(
      "INSERT INTO keapsync.contact_create (account, contact_ref) VALUES ($1, $2)"
      " ON CONFLICT DO NOTHING",
      account, contact_ref);
  tx.commit();
}

}  // namespace keapsync::db
