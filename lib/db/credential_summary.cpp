// One read-only query over keapsync.credentials, token columns left out.
#include "db/credential_summary.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {

std::vector<CredentialSummary> credential_summaries(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  const auto r = tx.exec(
      "SELECT account, state, keapsync.ts_to_us(expires_at), keapsync.ts_to_us(issued_at),"
      " coalesce(reauth_reason, ''), version, key_id IS NOT NULL, tenant"
      " FROM keapsync.credentials ORDER BY account");
  std::vector<CredentialSummary> out;
  for (const auto& row : r) {
    CredentialSummary s;
    s.account = row[0].as<std::string>();
    s.state = row[1].as<std::string>() == "ok" ? CredentialState::ok
                                               : CredentialState::reauthorization_required;
    if (!row[2].is_null()) s.expires_at = from_micros(row[2].as<std::int64_t>());
    if (!row[3].is_null()) s.issued_at = from_micros(row[3].as<std::int64_t>());
    s.reauthorization_reason = row[4].as<std::string>();
    s.version = row[5].as<std::int64_t>();
    s.sealed = row[6].as<bool>();
    if (!row[7].is_null()) s.tenant = row[7].as<std::string>();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace keapsync::db
