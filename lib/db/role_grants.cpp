// GRANT statements for the daemon's role and the shop's role.
#include "db/role_grants.hpp"

namespace keapsync::db {
namespace {

// What a role held on the schema before: an older setup gave the shop's role
// the lanes, and only a clean slate makes the grants below exact. Default
// privileges granted by the migrating role are taken back too.
std::vector<std::string> revoke_all(const std::string& q) {
  return {
      "REVOKE ALL ON SCHEMA keapsync FROM " + q,
      "REVOKE ALL ON ALL TABLES IN SCHEMA keapsync FROM " + q,
      "REVOKE ALL ON ALL SEQUENCES IN SCHEMA keapsync FROM " + q,
      "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA keapsync FROM " + q,
      "ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync REVOKE ALL ON TABLES FROM " + q,
      "ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync REVOKE ALL ON SEQUENCES FROM " + q,
      "ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync REVOKE ALL ON FUNCTIONS FROM " + q,
  };
}

// The daemon claims, settles and stores tokens: DML everywhere, the lease
// token sequence (nextval needs USAGE), the timestamp helpers. Default
// privileges make the tables of later migrations, made by the same owner,
// follow without another --grant-daemon.
std::vector<std::string> daemon_grants(const std::string& q) {
  return {
      "GRANT USAGE ON SCHEMA keapsync TO " + q,
      "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA keapsync TO " + q,
      "REVOKE INSERT, UPDATE, DELETE ON keapsync.schema_migrations FROM " + q,
      "GRANT USAGE ON ALL SEQUENCES IN SCHEMA keapsync TO " + q,
      "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA keapsync TO " + q,
      "ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES "
      "TO " +
          q,
      "ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync GRANT USAGE ON SEQUENCES TO " + q,
      "ALTER DEFAULT PRIVILEGES IN SCHEMA keapsync GRANT EXECUTE ON FUNCTIONS TO " + q,
  };
}

// The shop writes rows and nothing else: no state or attempts of its own
// (column privileges), the id back for INSERT ... RETURNING id (the identity
// needs no sequence privilege), enqueue. The trigger and enqueue run as the
// owner, so the lanes stay out of its reach.
std::vector<std::string> shop_grants(const std::string& q) {
  return {
      "GRANT USAGE ON SCHEMA keapsync TO " + q,
      "GRANT INSERT (account, contact_ref, op, payload), SELECT (id) ON keapsync.outbox TO " + q,
      "GRANT EXECUTE ON FUNCTION keapsync.enqueue(text, text, jsonb, text) TO " + q,
  };
}

}  // namespace

std::vector<std::string> grant_statements(pqxx::transaction_base& tx, Grantee grantee,
                                          const std::string& role, const std::string& option) {
  const auto found = tx.exec_params(
      "SELECT r.rolsuper, pg_has_role(r.oid, coalesce(n.nspowner, "
      "(SELECT oid FROM pg_roles WHERE rolname = current_user)), 'MEMBER')"
      " FROM pg_roles r LEFT JOIN pg_namespace n ON n.nspname = 'keapsync' WHERE r.rolname = $1",
      role);
  if (found.empty()) {
    throw GrantRefused(option + ": role \"" + role +
                       "\" does not exist: create it first (CREATE ROLE " + tx.quote_name(role) +
                       " LOGIN)");
  }
  if (found[0][0].as<bool>()) {
    throw GrantRefused(option + ": role \"" + role +
                       "\" is a superuser, which no grant can restrict: use a role without "
                       "SUPERUSER");
  }
  if (found[0][1].as<bool>()) {
    throw GrantRefused(option + ": role \"" + role +
                       "\" owns the schema keapsync (or is a member of its owner), so it can "
                       "change the schema: use a role of its own, not the one that runs migrate");
  }
  const auto q = tx.quote_name(role);
  auto out = revoke_all(q);
  for (auto& s : grantee == Grantee::daemon ? daemon_grants(q) : shop_grants(q))
    out.push_back(std::move(s));
  return out;
}

}  // namespace keapsync::db
