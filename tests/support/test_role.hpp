// A LOGIN role of its own per test, on the server of TEST_DATABASE_URL
// (roles are cluster-wide, so the name is unique per process and object).
// Going, it drops what the role holds in `database_url` and then the role.
#pragma once

#include <string>

#include "db/role_grants.hpp"

namespace keapsync::testing {

class TestRole {
 public:
  // `database_url`: the test database the role will be granted privileges in.
  TestRole(const std::string& database_url, const std::string& purpose);
  ~TestRole();
  TestRole(const TestRole&) = delete;
  TestRole& operator=(const TestRole&) = delete;

  const std::string& name() const { return name_; }
  // `database_url`, connecting as this role (the test server trusts local users).
  const std::string& url() const { return url_; }
  // Gives the role what `keapsync migrate --grant-daemon` / `--grant-shop` gives it.
  void grant(db::Grantee as) const;

 private:
  std::string name_;
  std::string database_url_;
  std::string url_;
};

}  // namespace keapsync::testing
