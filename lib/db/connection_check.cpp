// A non-blocking peek at the connection's socket.
#include "db/connection_check.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace keapsync::db {

bool idle_and_alive(pqxx::connection& conn) {
  if (!conn.is_open() || conn.sock() < 0) return false;
  char byte = 0;
  const auto n = ::recv(conn.sock(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace keapsync::db
