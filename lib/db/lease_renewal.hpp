// What one renewal of the leases in flight found, by lease token.
#pragma once

#include <cstdint>
#include <vector>

namespace keapsync::db {

struct LeaseRenewal {
  std::vector<std::int64_t> renewed;  // held until the new lease end
  std::vector<std::int64_t> lost;     // no lane carries the token: expired and taken over
  // Tokens in neither list were skipped: a shop transaction holds the lane.
};

}  // namespace keapsync::db
