// A fresh PostgreSQL database per test, on the server scripts/test starts.
// TEST_DATABASE_URL (key=value form) names that server; the database is
// dropped when the object goes.
#pragma once

#include <string>

namespace keapsync::testing {

class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Connection string of the new database.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // Connection string of the server's maintenance database.
  static std::string admin_url();

 private:
  std::string name_;
  std::string url_;
};

}  // namespace keapsync::testing
