// The privileges of the two roles besides the schema's owner
// (docs/operations.md, "Database roles"): the daemon's and the shop's.
#pragma once

#include <pqxx/transaction_base>
#include <stdexcept>
#include <string>
#include <vector>

namespace keapsync::db {

enum class Grantee {
  daemon,  // DML on every keapsync table, its sequences and functions; no DDL
  shop,    // INSERT into the outbox and EXECUTE on enqueue, nothing else
};

// The role cannot be given these privileges (missing, a superuser, the owner).
class GrantRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The statements that leave `role` with exactly the privileges of `grantee`
// (what it held before on the schema is revoked first). Checks in `tx` that
// the role exists and is neither a superuser nor a member of the schema's
// owner; throws GrantRefused naming the option, the problem and the fix.
// `option` names where the role came from ("--grant-shop").
std::vector<std::string> grant_statements(pqxx::transaction_base& tx, Grantee grantee,
                                          const std::string& role, const std::string& option);

}  // namespace keapsync::db
