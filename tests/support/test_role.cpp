// Creation and removal of per-test roles.
#include "support/test_role.hpp"

#include <unistd.h>

#include <atomic>
#include <pqxx/pqxx>

#include "db/role_grants.hpp"
#include "support/test_database.hpp"

namespace keapsync::testing {

TestRole::TestRole(const std::string& database_url, const std::string& purpose)
    : database_url_(database_url) {
  static std::atomic<int> counter{0};
  name_ =
      "keapsync_r" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + purpose;
  url_ = database_url + " user=" + name_;
  pqxx::connection admin(TestDatabase::admin_url());
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE ROLE " + tx.quote_name(name_) + " LOGIN");
}

TestRole::~TestRole() {
  try {
    pqxx::connection conn(database_url_);
    pqxx::nontransaction tx(conn);
    tx.exec("DROP OWNED BY " + tx.quote_name(name_));
  } catch (const std::exception&) {
    // The database went first: nothing of the role is left in it.
  }
  try {
    pqxx::connection admin(TestDatabase::admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec("DROP ROLE IF EXISTS " + tx.quote_name(name_));
  } catch (const std::exception&) {
    // The cluster is thrown away after the run anyway.
  }
}

void TestRole::grant(db::Grantee as) const {
  pqxx::connection owner(database_url_);
  pqxx::work tx(owner);
  for (const auto& statement : db::grant_statements(tx, as, name_, "--grant"))
    tx.exec(statement);
  tx.commit();
}

}  // namespace keapsync::testing
