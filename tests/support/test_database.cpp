// Creation and removal of per-test databases.
#include "support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>

namespace keapsync::testing {

std::string TestDatabase::admin_url() {
  const char* url = std::getenv("TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "TEST_DATABASE_URL is not set: run the tests through scripts/test, which starts a "
        "throw-away PostgreSQL, or point it at a server (key=value form)");
  }
  return url;
}

TestDatabase::TestDatabase() {
  static std::atomic<int> counter{0};
  name_ = "keapsync_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pqxx::connection admin(admin_url());
  pqxx::nontransaction tx(admin);
  tx.exec("DROP DATABASE IF EXISTS " + name_);
  tx.exec("CREATE DATABASE " + name_ + " TEMPLATE template0");
  url_ = admin_url() + " dbname=" + name_;
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away after the run anyway.
  }
}

}  // namespace keapsync::testing
