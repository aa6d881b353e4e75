// A dead-lettered outbox row, as the dead-letter desk lists it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/timestamp.hpp"

namespace keapsync::db {

struct DeadRow {
  std::int64_t id = 0;
  std::string account;
  std::string contact_ref;
  std::string op;
  std::optional<std::string> payload;
  int attempts = 0;
  std::string last_error;
  Timestamp created_at;
  Timestamp dead_at;
};

}  // namespace keapsync::db
