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
  std::optional<std::string> payload;  // JSON text; nullopt for SQL NULL, or when too big:
  int attempts = 0;                    // failed deliveries so far
  Timestamp created_at;
  // Bytes of the payload's JSON text (0 for NULL). Above the claim's max_payload_bytes the
  // payload is left in the database: `payload` is nullopt and this says how big it is.
  std::int64_t payload_bytes = 0;
  // A delivery sent this row's goal to Keap and never settled it (sent_at is set).
  bool sent = false;
};

}  // namespace keapsync::db
