// Backlog figures of one account, for `keapsync status` and the metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/timestamp.hpp"

namespace keapsync::db {

struct AccountStatus {
  std::string account;
  std::int64_t pending_rows = 0;
  std::int64_t pending_contacts = 0;
  std::int64_t leased_contacts = 0;         // held by a worker now
  std::int64_t waiting_contacts = 0;        // in retry backoff
  std::optional<Timestamp> oldest_pending;  // created_at of the oldest pending row
  std::int64_t dead_rows = 0;
};

}  // namespace keapsync::db
