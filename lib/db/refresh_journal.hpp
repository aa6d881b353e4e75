// keapsync.refresh_attempt: what became of an account's latest token call.
// Written on a connection of its own (never the one holding the credentials
// row lock), so the record is durable before the refresh token is sent.
#pragma once

#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>

#include "db/timestamp.hpp"

namespace keapsync::db {

struct RefreshAttempt {
  std::int64_t version = 0;  // the credentials version whose refresh token was sent
  Timestamp started_at;      // just before the request
  std::optional<Timestamp> finished_at;
  std::string outcome;  // "" (never finished: a crash), "refreshed", "unsaved", "answer_lost",
                        // "dead", "failed"
};

class RefreshJournal {
 public:
  explicit RefreshJournal(std::string url) : url_(std::move(url)) {}

  std::optional<RefreshAttempt> last(const std::string& account);
  // Throws when the database cannot record it: the token call must then not be made.
  void started(const std::string& account, std::int64_t version, Timestamp now);
  // Best effort: a failure is swallowed (the record then reads "never finished").
  void finished(const std::string& account, std::int64_t version, const std::string& outcome,
                Timestamp now) noexcept;

 private:
  pqxx::connection& connection();

  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace keapsync::db
