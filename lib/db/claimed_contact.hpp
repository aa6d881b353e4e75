// A contact leased to one worker, with all its pending rows, oldest first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/outbox_row.hpp"

namespace keapsync::db {

struct ClaimedContact {
  std::string account;
  std::string contact_ref;
  std::int64_t lease_token = 0;  // proves the lease when settling
  std::vector<OutboxRow> rows;   // ascending id; at most worker.max_rows_per_contact
};

}  // namespace keapsync::db
