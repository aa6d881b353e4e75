// The Keap contact id of each (account, contact_ref), so that a changed e-mail
// updates the same Keap contact instead of creating a duplicate.
#pragma once

#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>

namespace keapsync::db {

class ContactMapRepository {
 public:
  explicit ContactMapRepository(pqxx::connection& conn) : conn_(conn) {}

  // Creates Keap cannot match by e-mail (keap/created_contact.hpp): noted before
  // each is sent (the first note stays), forgotten when the id is remembered.
  // The id and the note are read with the claim (OutboxRepository::claim).
  void note_create(const std::string& account, const std::string& contact_ref);

 private:
  pqxx::connection& conn_;
};

}  // namespace keapsync::db
