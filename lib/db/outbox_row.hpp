// One pending outbox row as handed to a worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/timestamp.hpp"

namespace keapsync::db {

struct OutboxRow {
  std::int64_t id = 0;
  std::string op;                      // as the shop wrote it; validated by the engine
  std::optional<std::string> payload;  // JSON text; nullopt for SQL NULL
  int attempts = 0;                    // failed deliveries so far
  Timestamp created_at;
};

}  // namespace keapsync::db
