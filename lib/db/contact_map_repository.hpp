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

  std::optional<std::string> find(const std::string& account, const std::string& contact_ref);

  // Creates Keap cannot match by e-mail (keap/created_contact.hpp): noted before
  // each is sent (the first note stays), forgotten when the id is remembered.
  void note_create(const std::string& account, const std::string& contact_ref);
  // When a noted create may have made a contact: from when Keap is searched
  // (ISO UTC, the note less ten minutes for Keap's clock); nullopt: no note.
  std::optional<std::string> create_search_start(const std::string& account,
                                                 const std::string& contact_ref);

 private:
  pqxx::connection& conn_;
};

// Inside the caller's transaction: OutboxRepository::settle writes what a
// delivery learned about the id together with the rows it settles.
void remember_keap_id(pqxx::work& tx, const std::string& account, const std::string& contact_ref,
                      const std::string& keap_id);
void forget_keap_id(pqxx::work& tx, const std::string& account, const std::string& contact_ref);

}  // namespace keapsync::db
