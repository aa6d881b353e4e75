// Keap tag ids by name per account, shared by every daemon, and the turn to
// create a missing name: whoever holds a name's creation lease creates it in
// Keap; the others wait for the id it records.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <string>

namespace keapsync::db {

class TagNameRepository {
 public:
  explicit TagNameRepository(pqxx::connection& conn) : conn_(conn) {}

  std::optional<std::int64_t> find(const std::string& account, const std::string& name);
  // Takes the turn to create `name` for `lease` (the database's clock) unless
  // its id is known or another holder's turn has not ended.
  bool claim_creation(const std::string& account, const std::string& name,
                      std::chrono::milliseconds lease);
  // Whether another holder's turn to create `name` is still running.
  bool creation_pending(const std::string& account, const std::string& name);
  void record(const std::string& account, const std::string& name, std::int64_t keap_id);
  // Ends a creation turn early: Keap answered that it created nothing.
  void end_creation(const std::string& account, const std::string& name);
  // Keap answered 404 for `keap_id`: forget that id (not a turn another holds).
  void forget(const std::string& account, const std::string& name, std::int64_t keap_id);

 private:
  pqxx::connection& conn_;
};

}  // namespace keapsync::db
