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
  // its id is known or another holder's turn has not ended. The turn's mark
  // (its end as written) names it to end_creation and hold_creation, which
  // leave a later holder's turn alone; nullopt: not taken.
  std::optional<std::string> claim_creation(const std::string& account, const std::string& name,
                                            std::chrono::milliseconds lease);
  // Lengthens the turn `mark` to end `lease` from now; its new mark, or
  // nullopt when it is no longer this holder's.
  std::optional<std::string> hold_creation(const std::string& account, const std::string& name,
                                           const std::string& mark,
                                           std::chrono::milliseconds lease);
  // Whether another holder's turn to create `name` is still running.
  bool creation_pending(const std::string& account, const std::string& name);
  void record(const std::string& account, const std::string& name, std::int64_t keap_id);
  // Ends the turn `mark` early: Keap answered that it created nothing.
  void end_creation(const std::string& account, const std::string& name, const std::string& mark);
  // Keap answered 404 for `keap_id`: forget that id (not a turn another holds).
  void forget(const std::string& account, const std::string& name, std::int64_t keap_id);

 private:
  pqxx::connection& conn_;
};

}  // namespace keapsync::db
