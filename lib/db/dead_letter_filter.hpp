// Which dead rows a dead-letter command acts on: given ids, or all of an account, or all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keapsync::db {

struct DeadLetterFilter {
  std::vector<std::int64_t> ids;       // empty: not filtered by id
  std::optional<std::string> account;  // nullopt: every account
};

}  // namespace keapsync::db
