// keapsync.refresh_attempt: what became of an account's latest token call.
// Written on a connection of its own (never the one holding the credentials
// row lock), so the record is durable before the refresh token is sent.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>

#include "db/timestamp.hpp"

namespace keapsync::db {

struct RefreshAttempt {
  std::int64_t version = 0;  // the credentials version whose refresh token was sent
  Timestamp started_at;      // just before the request (the server's clock)
  std::optional<Timestamp> finished_at;
  std::string outcome;  // "" (never finished: a crash), "refreshed", "unsaved", "answer_lost",
                        // "dead", "failed"
  std::chrono::milliseconds age{0};  // since started_at, by the server's clock
};

// The account's latest attempt as recorded (for `keapsync status`).
std::optional<RefreshAttempt> read_refresh_attempt(pqxx::connection& conn,
                                                   const std::string& account);

class RefreshJournal {
 public:
  explicit RefreshJournal(std::string url) : url_(std::move(url)) {}

  std::optional<RefreshAttempt> last(const std::string& account);
  // Throws when the database cannot record it: the token call must then not be made.
  // Times are the database server's, so processes with skewed clocks agree.
  void started(const std::string& account, std::int64_t version);
  // Best effort: a failure is swallowed (the record then reads "never finished").
  void finished(const std::string& account, std::int64_t version,
                const std::string& outcome) noexcept;

 private:
  pqxx::connection& connection();

  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace keapsync::db
