// Reads, writes and re-keys keapsync.credentials. The additional data of each
// sealed token is "<account>\0<column>", so a ciphertext copied to another
// account, or from the access to the refresh column, fails to open.
#include "db/token_store.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {
namespace {

constexpr const char* kAccess = "access_token";
constexpr const char* kRefresh = "refresh_token";

std::string aad(const std::string& account, const char* column) {
  std::string out = account;
  out += '\0';
  out += column;
  return out;
}

constexpr const char* kColumns =
    "account, access_token, refresh_token, key_id, keapsync.ts_to_us(issued_at),"
    " keapsync.ts_to_us(expires_at), scope, version, state, reauth_reason";

std::optional<Timestamp> optional_time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return from_micros(f.as<std::int64_t>());
}

std::string bytes_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  return pqxx::binarystring(f).str();
}

}  // namespace

TokenStore::TokenStore(pqxx::connection& conn, std::optional<TokenCipher> current,
                       std::vector<TokenCipher> previous)
    : conn_(conn), current_(std::move(current)), previous_(std::move(previous)) {}

const TokenCipher* TokenStore::cipher_for(const std::string& key_id) const {
  if (current_ && current_->key_id() == key_id) return &*current_;
  for (const auto& c : previous_) {
    if (c.key_id() == key_id) return &c;
  }
  return nullptr;
}

TokenStore::Sealed TokenStore::seal(const std::string& account, const TokenPair& t) const {
  if (!current_) return {t.access_token.reveal(), t.refresh_token.reveal(), std::nullopt};
  return {current_->encrypt(t.access_token.reveal(), aad(account, kAccess)),
          current_->encrypt(t.refresh_token.reveal(), aad(account, kRefresh)), current_->key_id()};
}

std::string TokenStore::open(const std::string& account, const char* column,
                             const std::string& bytes, const std::optional<std::string>& key_id,
                             bool plain_allowed) const {
  if (!key_id && !plain_allowed) {
    // Whoever could write the table could plant tokens of another Keap app here.
    throw CredentialDecryptError(
        "the tokens of account '" + account +
        "' are stored unencrypted while token_encryption_key_file is set: refusing them. If "
        "they are yours (stored before the key was set), seal them with `keapsync auth "
        "--rotate-key --seal-plain`; if not, authorize the account again with `keapsync auth`");
  }
  if (!key_id) return bytes;
  const TokenCipher* cipher = cipher_for(*key_id);
  if (cipher == nullptr) {
    throw CredentialDecryptError(
        "the tokens of account '" + account + "' are encrypted with key " + *key_id +
        (current_ ? ", which is neither the configured token_encryption_key_file (key " +
                        current_->key_id() + ") nor a previous key"
                  : ", but no token_encryption_key_file is configured"));
  }
  auto plain = cipher->decrypt(bytes, aad(account, column));
  if (!plain) {
    throw CredentialDecryptError("the " + std::string(column) + " of account '" + account +
                                 "' does not decrypt with key " + *key_id +
                                 ": it was changed or belongs to another account");
  }
  return std::move(*plain);
}

std::optional<StoredCredentials> TokenStore::read(const std::string& account) {
  pqxx::work tx(conn_);
  auto c = read(tx, account, false);
  tx.commit();
  return c;
}

std::optional<StoredCredentials> TokenStore::read(pqxx::work& tx, const std::string& account,
                                                  bool for_update) {
  const auto r = tx.exec_params(std::string("SELECT ") + kColumns +
                                    " FROM keapsync.credentials WHERE account = $1" +
                                    (for_update ? " FOR UPDATE" : ""),
                                account);
  if (r.empty()) return std::nullopt;
  const auto row = r[0];
  StoredCredentials c;
  c.account = account;
  if (!row[3].is_null()) c.key_id = row[3].as<std::string>();
  // Secrets are built from the plaintext at once, so the log scrubber knows them.
  if (!row[1].is_null())
    c.access_token = config::Secret(open(account, kAccess, bytes_of(row[1]), c.key_id, !current_));
  if (!row[2].is_null())
    c.refresh_token =
        config::Secret(open(account, kRefresh, bytes_of(row[2]), c.key_id, !current_));
  c.issued_at = optional_time(row[4]);
  c.expires_at = optional_time(row[5]);
  if (!row[6].is_null()) c.scope = row[6].as<std::string>();
  c.version = row[7].as<std::int64_t>();
  c.state = row[8].as<std::string>() == "ok" ? CredentialState::ok
                                             : CredentialState::reauthorization_required;
  if (!row[9].is_null()) c.reauthorization_reason = row[9].as<std::string>();
  return c;
}

std::int64_t TokenStore::save(const std::string& account, const TokenPair& tokens,
                              const TenantCheck& tenant) {
  const Sealed s = seal(account, tokens);
  pqxx::work tx(conn_);
  // Durable even where the server trades durability for speed: a new pair is
  // the only copy of a just-spent authorization.
  tx.exec("SET LOCAL synchronous_commit = on");
  // The row, locked: waits while a refresh holds it.
  const auto row = tx.exec_params(
      "SELECT tenant FROM keapsync.credentials WHERE account = $1 FOR UPDATE", account);
  const std::optional<std::string> stored = row.empty() || row[0][0].is_null()
                                                ? std::nullopt
                                                : std::optional(row[0][0].as<std::string>());
  const bool moves = stored && tenant.seen != stored;
  if (moves && !tenant.replace) {
    throw TenantMismatch(
        "account '" + account + "' holds tokens of Keap tenant " + *stored + ", these are " +
        (tenant.seen ? "of tenant " + *tenant.seen
                     : std::string("of a tenant Keap's userinfo did not name (no answer)")) +
        ": not stored (signed in to the wrong Keap app?). To move the account to the other "
        "tenant, run `keapsync auth` again with --new-tenant");
  }
  if (moves) {
    // Another Keap app: the ids keapsync learned name other contacts and tags there.
    // The map's rows locked in the order a settlement takes them: no deadlock with one.
    tx.exec_params(
        "DELETE FROM keapsync.contact_map WHERE (account, contact_ref) IN (SELECT account,"
        " contact_ref FROM keapsync.contact_map WHERE account = $1 ORDER BY contact_ref"
        " FOR UPDATE)",
        account);
    for (const char* table : {"tag_name", "contact_create"}) {
      tx.exec_params(std::string("DELETE FROM keapsync.") + table + " WHERE account = $1", account);
    }
  }
  const auto r = tx.exec_params1(
      "INSERT INTO keapsync.credentials AS c (account, access_token, refresh_token, key_id,"
      "   issued_at, expires_at, scope, state, version, updated_at, tenant)"
      " VALUES ($1, $2, $3, $4, keapsync.us_to_ts($5), keapsync.us_to_ts($6), $7, 'ok', 1,"
      "   keapsync.us_to_ts($5), $8)"
      " ON CONFLICT (account) DO UPDATE SET access_token = excluded.access_token,"
      "   refresh_token = excluded.refresh_token, key_id = excluded.key_id,"
      "   issued_at = excluded.issued_at, expires_at = excluded.expires_at,"
      "   scope = excluded.scope, state = 'ok', reauth_reason = NULL, reauth_at = NULL,"
      "   version = c.version + 1, updated_at = excluded.updated_at, tenant = excluded.tenant"
      " RETURNING version",
      account, pqxx::binarystring(s.access_token), pqxx::binarystring(s.refresh_token),
      s.key_id ? s.key_id->c_str() : nullptr, to_micros(tokens.issued_at),
      to_micros(tokens.expires_at), tokens.scope, tenant.seen ? tenant.seen->c_str() : nullptr);
  tx.commit();
  return r[0].as<std::int64_t>();
}

std::optional<std::string> TokenStore::tenant(const std::string& account) {
  pqxx::work tx(conn_);
  const auto r =
      tx.exec_params("SELECT tenant FROM keapsync.credentials WHERE account = $1", account);
  tx.commit();
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  return r[0][0].as<std::string>();
}

std::int64_t TokenStore::replace(pqxx::work& tx, const std::string& account,
                                 const TokenPair& tokens, std::int64_t expected_version) {
  const Sealed s = seal(account, tokens);
  const auto r = tx.exec_params(
      "UPDATE keapsync.credentials SET access_token = $2, refresh_token = $3, key_id = $4,"
      "   issued_at = keapsync.us_to_ts($5), expires_at = keapsync.us_to_ts($6), scope = $7,"
      "   state = 'ok', reauth_reason = NULL, reauth_at = NULL, version = version + 1,"
      "   updated_at = keapsync.us_to_ts($5)"
      " WHERE account = $1 AND version = $8 RETURNING version",
      account, pqxx::binarystring(s.access_token), pqxx::binarystring(s.refresh_token),
      s.key_id ? s.key_id->c_str() : nullptr, to_micros(tokens.issued_at),
      to_micros(tokens.expires_at), tokens.scope, expected_version);
  if (r.size() != 1) {
    throw std::logic_error("credentials of account '" + account + "' changed under the row lock");
  }
  return r[0][0].as<std::int64_t>();
}

std::optional<std::int64_t> TokenStore::save_rotated(const std::string& account,
                                                     const TokenPair& tokens,
                                                     std::int64_t seen_version) {
  pqxx::work tx(conn_);
  tx.exec("SET LOCAL synchronous_commit = on");
  const auto row = read(tx, account, /*for_update=*/true);
  if (!row) return std::nullopt;
  if (row->version == seen_version) {
    const auto version = replace(tx, account, tokens, seen_version);
    tx.commit();
    return version;
  }
  tx.commit();
  if (row->version == seen_version + 1 && row->refresh_token == tokens.refresh_token) {
    return row->version;  // the first commit had landed
  }
  return std::nullopt;
}

bool TokenStore::mark_reauthorization_required(const std::string& account,
                                               const std::string& reason, Timestamp now) {
  pqxx::work tx(conn_);
  const bool found = mark_reauthorization_required(tx, account, reason, now);
  tx.commit();
  return found;
}

bool TokenStore::mark_reauthorization_required(pqxx::work& tx, const std::string& account,
                                               const std::string& reason, Timestamp now) {
  const auto r = tx.exec_params(
      "UPDATE keapsync.credentials SET state = 'reauthorization_required', reauth_reason = $2,"
      "   reauth_at = keapsync.us_to_ts($3), updated_at = keapsync.us_to_ts($3)"
      " WHERE account = $1",
      account, reason, to_micros(now));
  return r.affected_rows() == 1;
}

KeyRotationReport TokenStore::rotate_key(bool seal_plain) {
  if (!current_) {
    throw std::logic_error("rotating the token encryption key needs token_encryption_key_file");
  }
  KeyRotationReport report;
  pqxx::work tx(conn_);
  // Row locks in account order: a refresh in flight finishes first, and two
  // rotations cannot deadlock.
  const auto rows = tx.exec(
      "SELECT account, access_token, refresh_token, key_id FROM keapsync.credentials"
      " ORDER BY account FOR UPDATE");
  for (const auto& row : rows) {
    const auto account = row[0].as<std::string>();
    std::optional<std::string> key_id;
    if (!row[3].is_null()) key_id = row[3].as<std::string>();
    if (key_id == current_->key_id()) {
      ++report.unchanged;
      continue;
    }
    if (!key_id && !seal_plain) {
      // Unsealed: stored under token_encryption: none, or planted. Sealed only when asked.
      report.plain.push_back(account);
      continue;
    }
    // A NULL column stays NULL (the CASE), the rest is opened and sealed anew.
    auto reseal = [&](const pqxx::field& f, const char* column) {
      if (f.is_null()) return std::string();
      return current_->encrypt(open(account, column, bytes_of(f), key_id, true),
                               aad(account, column));
    };
    tx.exec_params(
        "UPDATE keapsync.credentials SET"
        "   access_token = CASE WHEN access_token IS NULL THEN NULL ELSE $2::bytea END,"
        "   refresh_token = CASE WHEN refresh_token IS NULL THEN NULL ELSE $3::bytea END, key_id = "
        "$4"
        " WHERE account = $1",
        account, pqxx::binarystring(reseal(row[1], kAccess)),
        pqxx::binarystring(reseal(row[2], kRefresh)), current_->key_id());
    ++report.rewritten;
  }
  tx.commit();
  return report;
}

}  // namespace keapsync::db
