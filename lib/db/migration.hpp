// One versioned schema migration and the list of all of them, in order.
#pragma once

#include <span>

namespace keapsync::db {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration this binary knows, oldest first, versions 1..N without gaps.
std::span<const Migration> all_migrations();

}  // namespace keapsync::db
