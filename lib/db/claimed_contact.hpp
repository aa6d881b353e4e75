// A contact leased to one worker, with all its pending rows, oldest first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/outbox_row.hpp"

namespace keapsync::db {

struct ClaimedContact {
  std::string account;
  std::string contact_ref;
  std::int64_t lease_token = 0;  // proves the lease when settling
  std::vector<OutboxRow> rows;   // ascending id; at most worker.max_rows_per_contact
  // Read with the claim (only the lease holder changes them until it settles):
  std::optional<std::string> keap_id;  // the contact map's id for the contact
  // A create Keap cannot match by e-mail was noted: Keap is searched for what it
  // made from this time on (ISO UTC, the note less ten minutes for Keap's clock).
  std::optional<std::string> create_search_start;
};

}  // namespace keapsync::db
