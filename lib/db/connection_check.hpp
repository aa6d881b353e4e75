// Whether an idle connection can be reused, checked without a round trip.
#pragma once

#include <pqxx/connection>

namespace keapsync::db {

// An idle connection has nothing to read: the server's goodbye after
// pg_terminate_backend, idle_session_timeout or a restart (an error message,
// then EOF) shows it dead before anyone starts work on it.
bool idle_and_alive(pqxx::connection& conn);

}  // namespace keapsync::db
