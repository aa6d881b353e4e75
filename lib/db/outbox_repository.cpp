// The outbox statements. The claim design (lanes, SKIP LOCKED, partial
// indexes on free and held lanes) is explained in docs/outbox.md.
#include "db/outbox_repository.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "db/contact_map_repository.hpp"
#include "db/last_error.hpp"

namespace keapsync::db {
namespace {

// A bigint[] literal for `$n::bigint[]`.
std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

// A text[] literal for `$n::text[]`: every element quoted, " and \ escaped.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (const char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// The WHERE clause shared by the dead-letter commands ($1 ids, $2 account or '').
constexpr const char* kDeadFilter =
    "state = 'dead'"
    " AND (cardinality($1::bigint[]) = 0 OR id = ANY($1::bigint[]))"
    " AND ($2::text = '' OR account = $2::text)";

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

enum class LaneLock { held, lost, busy };

// Locks the contact's lane if `token` still holds it, without waiting: a shop
// transaction whose insert touched the lane holds it until it commits.
LaneLock lock_lane(pqxx::work& tx, const ClaimedContact& c) {
  try {
    return tx.exec_params(
                 "SELECT 1 FROM keapsync.lane WHERE account = $1 AND contact_ref = $2"
                 " AND lease_token = $3 FOR UPDATE NOWAIT",
                 c.account, c.contact_ref, c.lease_token)
                   .empty()
               ? LaneLock::lost
               : LaneLock::held;
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "55P03") return LaneLock::busy;  // lock_not_available
    throw;
  }
}

}  // namespace

std::vector<ClaimedContact> OutboxRepository::claim(const ClaimOptions& o) {
  pqxx::work tx(conn_);
  // Expired leases and elapsed retry waits become free lanes again.
  tx.exec(
      "UPDATE keapsync.lane l SET lease_until = NULL, leased_by = NULL, lease_token = NULL"
      " FROM (SELECT account, contact_ref FROM keapsync.lane"
      "       WHERE lease_until <= clock_timestamp() FOR UPDATE SKIP LOCKED) due"
      " WHERE l.account = due.account AND l.contact_ref = due.contact_ref");
  std::vector<std::string> quota_accounts;
  std::vector<std::int64_t> quota_contacts;
  for (const auto& q : o.quotas) {
    if (q.contacts <= 0) continue;
    quota_accounts.push_back(q.account);
    quota_contacts.push_back(q.contacts);
  }
  const pqxx::result lanes = tx.exec_params(
      "WITH picked AS ("
      "  SELECT p.account, p.contact_ref FROM unnest($1::text[], $2::bigint[]) AS q(account, n)"
      "  CROSS JOIN LATERAL ("
      "    SELECT account, contact_ref, first_id FROM keapsync.lane"
      "    WHERE account = q.account AND lease_until IS NULL"
      "    ORDER BY first_id LIMIT q.n FOR UPDATE SKIP LOCKED) p"
      "  ORDER BY p.first_id LIMIT $3)"
      " UPDATE keapsync.lane l"
      " SET lease_until = clock_timestamp() + $4 * interval '1 millisecond', leased_by = $5,"
      "   lease_token = nextval('keapsync.lease_token_seq'), claims = l.claims + 1"
      " FROM picked WHERE l.account = picked.account AND l.contact_ref = picked.contact_ref"
      " RETURNING l.account, l.contact_ref, l.claims",
      text_array(quota_accounts), id_array(quota_contacts), o.max_contacts,
      static_cast<std::int64_t>(o.lease.count()), o.worker);
  if (lanes.empty()) {
    tx.commit();
    return {};
  }
  // The rows are read by a second statement on purpose: its snapshot is taken
  // after the lanes were locked, so it cannot see rows that another worker
  // deleted while this claim waited (a single statement would re-deliver them).
  std::vector<std::string> accounts, refs;
  std::vector<std::pair<std::string, std::string>> unsettled;  // claimed too often
  for (const auto& lane : lanes) {
    accounts.push_back(lane[0].as<std::string>());
    refs.push_back(lane[1].as<std::string>());
    if (lane[2].as<int>() > o.max_unsettled_claims)
      unsettled.emplace_back(accounts.back(), refs.back());
  }
  const pqxx::result r = tx.exec_params(
      "SELECT l.account, l.contact_ref, l.lease_token,"
      "   r.id, r.op, CASE WHEN r.bytes <= $4 THEN r.payload END, r.attempts,"
      "   keapsync.ts_to_us(r.created_at), coalesce(r.bytes, 0)"
      " FROM unnest($1::text[], $2::text[]) AS k(account, contact_ref)"
      " JOIN keapsync.lane l ON l.account = k.account AND l.contact_ref = k.contact_ref"
      " LEFT JOIN LATERAL ("
      "   SELECT id, op, payload, octet_length(payload) AS bytes, attempts, created_at"
      "   FROM (SELECT id, op, payload::text AS payload, attempts, created_at"
      "         FROM keapsync.outbox o"
      "         WHERE o.account = l.account AND o.contact_ref = l.contact_ref"
      "         AND o.state = 'pending' ORDER BY o.id LIMIT $3) p) r ON true"
      " ORDER BY l.first_id, l.account, l.contact_ref, r.id",
      text_array(accounts), text_array(refs), o.max_rows_per_contact, o.max_payload_bytes);
  tx.commit();

  std::vector<ClaimedContact> contacts;
  for (const auto& row : r) {
    const auto token = row[2].as<std::int64_t>();
    if (contacts.empty() || contacts.back().lease_token != token) {
      contacts.push_back({row[0].as<std::string>(), row[1].as<std::string>(), token, {}});
    }
    if (row[3].is_null()) continue;  // a lane whose rows were all discarded
    contacts.back().rows.push_back(
        {row[3].as<std::int64_t>(), row[4].as<std::string>(), optional_text(row[5]),
         row[6].as<int>(), from_micros(row[7].as<std::int64_t>()), row[8].as<std::int64_t>()});
  }
  // Lanes without rows are settled at once so they vanish (or free up); a
  // contact whose every claim ended without a result is dead-lettered.
  std::erase_if(contacts, [&](const ClaimedContact& c) {
    const bool poisoned = std::find(unsettled.begin(), unsettled.end(),
                                    std::pair(c.account, c.contact_ref)) != unsettled.end();
    if (!c.rows.empty() && !poisoned) return false;
    Settlement s;
    if (poisoned) {
      const auto reason = "internal: delivering this contact ended " +
                          std::to_string(o.max_unsettled_claims) +
                          " times in a row without a result (the daemon stopped or lost the "
                          "lease each time); see the daemon's log for this contact_ref";
      for (const auto& row : c.rows)
        s.dead.emplace_back(row.id, reason);
    }
    settle(c, s);
    return true;
  });
  return contacts;
}

SettleResult OutboxRepository::settle(const ClaimedContact& c, const Settlement& s) {
  pqxx::work tx(conn_);
  switch (lock_lane(tx, c)) {
    case LaneLock::held:
      break;
    case LaneLock::lost:
      return SettleResult::lease_lost;
    case LaneLock::busy:
      return SettleResult::busy;
  }
  if (!s.delivered.empty()) {
    tx.exec_params(
        "DELETE FROM keapsync.outbox WHERE id = ANY($1::bigint[]) AND account = $2"
        " AND contact_ref = $3 AND state = 'pending'",
        id_array(s.delivered), c.account, c.contact_ref);
  }
  for (const auto& [id, reason] : s.dead) {
    tx.exec_params(
        "UPDATE keapsync.outbox SET state = 'dead', attempts = attempts + 1, last_error = $2,"
        " last_attempt_at = now(), dead_at = now()"
        " WHERE id = $1 AND state = 'pending'",
        id, capped_error(reason));
  }
  if (!s.retry.empty()) {
    tx.exec_params(
        "UPDATE keapsync.outbox SET attempts = attempts + $3, last_error = $2,"
        " last_attempt_at = now()"
        " WHERE id = ANY($1::bigint[]) AND state = 'pending'",
        id_array(s.retry), capped_error(s.retry_error), s.count_attempt ? 1 : 0);
  }
  if (s.keap_id_change == Settlement::KeapId::learned) {
    remember_keap_id(tx, c.account, c.contact_ref, s.keap_id);
  } else if (s.keap_id_change == Settlement::KeapId::forgotten) {
    forget_keap_id(tx, c.account, c.contact_ref);
  }
  // The lane: gone when nothing is pending, else free (or waiting for the
  // retry) from its oldest pending row, which may have arrived meanwhile.
  const auto first = tx.exec_params(
      "SELECT min(id) FROM keapsync.outbox WHERE account = $1 AND contact_ref = $2"
      " AND state = 'pending'",
      c.account, c.contact_ref);
  if (first[0][0].is_null()) {
    tx.exec_params("DELETE FROM keapsync.lane WHERE account = $1 AND contact_ref = $2", c.account,
                   c.contact_ref);
  } else if (!s.retry.empty()) {
    tx.exec_params(
        "UPDATE keapsync.lane SET first_id = $3,"
        " lease_until = clock_timestamp() + $4 * interval '1 millisecond',"
        " leased_by = NULL, lease_token = NULL, claims = 0"
        " WHERE account = $1 AND contact_ref = $2",
        c.account, c.contact_ref, first[0][0].as<std::int64_t>(),
        static_cast<std::int64_t>(std::max<std::int64_t>(0, s.retry_after.count())));
  } else {
    tx.exec_params(
        "UPDATE keapsync.lane SET first_id = $3, lease_until = NULL, leased_by = NULL,"
        " lease_token = NULL, claims = 0 WHERE account = $1 AND contact_ref = $2",
        c.account, c.contact_ref, first[0][0].as<std::int64_t>());
  }
  tx.commit();
  return SettleResult::settled;
}

namespace {
std::vector<std::int64_t> row_ids(const ClaimedContact& c) {
  std::vector<std::int64_t> ids;
  for (const auto& r : c.rows)
    ids.push_back(r.id);
  return ids;
}
}  // namespace

SettleResult OutboxRepository::ack(const ClaimedContact& c) {
  Settlement s;
  s.delivered = row_ids(c);
  return settle(c, s);
}

SettleResult OutboxRepository::retry(const ClaimedContact& c, const std::string& error,
                                     std::chrono::milliseconds retry_after) {
  Settlement s;
  s.retry = row_ids(c);
  s.retry_error = error;
  s.retry_after = retry_after;
  return settle(c, s);
}

SettleResult OutboxRepository::dead(const ClaimedContact& c, const std::string& reason) {
  Settlement s;
  for (const auto id : row_ids(c))
    s.dead.emplace_back(id, reason);
  return settle(c, s);
}

LeaseRenewal OutboxRepository::renew(const std::vector<std::int64_t>& tokens,
                                     std::chrono::milliseconds lease) {
  LeaseRenewal out;
  if (tokens.empty()) return out;
  pqxx::work tx(conn_);
  const auto held =
      tx.exec_params("SELECT lease_token FROM keapsync.lane WHERE lease_token = ANY($1::bigint[])",
                     id_array(tokens));
  const auto renewed = tx.exec_params(
      "UPDATE keapsync.lane l SET lease_until = clock_timestamp() + $2 * interval '1 millisecond'"
      " FROM (SELECT account, contact_ref FROM keapsync.lane"
      "       WHERE lease_token = ANY($1::bigint[]) FOR UPDATE SKIP LOCKED) mine"
      " WHERE l.account = mine.account AND l.contact_ref = mine.contact_ref"
      " RETURNING l.lease_token",
      id_array(tokens), static_cast<std::int64_t>(lease.count()));
  tx.commit();
  std::vector<std::int64_t> present;
  for (const auto& row : held)
    present.push_back(row[0].as<std::int64_t>());
  for (const auto& row : renewed)
    out.renewed.push_back(row[0].as<std::int64_t>());
  for (const auto t : tokens) {
    if (std::find(present.begin(), present.end(), t) == present.end()) out.lost.push_back(t);
  }
  return out;
}

std::int64_t OutboxRepository::release(const std::vector<std::int64_t>& tokens) {
  if (tokens.empty()) return 0;
  pqxx::work tx(conn_);
  const auto r = tx.exec_params(
      "UPDATE keapsync.lane l SET lease_until = NULL, leased_by = NULL, lease_token = NULL,"
      "   claims = greatest(l.claims - 1, 0)"
      " FROM (SELECT account, contact_ref FROM keapsync.lane"
      "       WHERE lease_token = ANY($1::bigint[]) FOR UPDATE SKIP LOCKED) mine"
      " WHERE l.account = mine.account AND l.contact_ref = mine.contact_ref",
      id_array(tokens));
  tx.commit();
  return static_cast<std::int64_t>(r.affected_rows());
}

std::int64_t OutboxRepository::restore_lanes() {
  pqxx::work tx(conn_);
  const auto r = tx.exec(
      "INSERT INTO keapsync.lane (account, contact_ref, first_id)"
      " SELECT account, contact_ref, min(id) FROM keapsync.outbox o"
      " WHERE state = 'pending' AND NOT EXISTS (SELECT 1 FROM keapsync.lane l"
      "   WHERE l.account = o.account AND l.contact_ref = o.contact_ref)"
      " GROUP BY account, contact_ref ORDER BY account, contact_ref"
      " ON CONFLICT (account, contact_ref) DO NOTHING");
  tx.commit();
  return static_cast<std::int64_t>(r.affected_rows());
}

std::vector<DeadRow> OutboxRepository::list_dead(const DeadLetterFilter& f, int limit) {
  pqxx::read_transaction tx(conn_);
  const auto r =
      tx.exec_params(std::string("SELECT id, account, contact_ref, op, payload::text, attempts,"
                                 " coalesce(last_error, ''), keapsync.ts_to_us(created_at),"
                                 " keapsync.ts_to_us(dead_at) FROM keapsync.outbox WHERE ") +
                         kDeadFilter + " ORDER BY id LIMIT $3",
                     id_array(f.ids), f.account.value_or(""), limit);
  std::vector<DeadRow> rows;
  for (const auto& row : r) {
    rows.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                    row[3].as<std::string>(), optional_text(row[4]), row[5].as<int>(),
                    row[6].as<std::string>(), from_micros(row[7].as<std::int64_t>()),
                    from_micros(row[8].as<std::int64_t>())});
  }
  return rows;
}

std::int64_t OutboxRepository::retry_dead(const DeadLetterFilter& f) {
  pqxx::work tx(conn_);
  // Revived rows rejoin their contact's lane in id order (see docs/outbox.md).
  const auto r = tx.exec_params(
      std::string("WITH revived AS ("
                  "  UPDATE keapsync.outbox SET state = 'pending', attempts = 0, dead_at = NULL"
                  "  WHERE ") +
          kDeadFilter +
          "  RETURNING id, account, contact_ref),"
          " lanes AS ("
          "  INSERT INTO keapsync.lane AS l (account, contact_ref, first_id)"
          "  SELECT account, contact_ref, min(id) FROM revived GROUP BY account, contact_ref"
          "  ORDER BY account, contact_ref"
          "  ON CONFLICT (account, contact_ref)"
          "  DO UPDATE SET first_id = least(l.first_id, excluded.first_id))"
          " SELECT count(*) FROM revived",
      id_array(f.ids), f.account.value_or(""));
  const auto count = r[0][0].as<std::int64_t>();
  if (count > 0) tx.exec("SELECT pg_notify('keapsync_outbox', '')");
  tx.commit();
  return count;
}

std::int64_t OutboxRepository::discard_dead(const DeadLetterFilter& f) {
  pqxx::work tx(conn_);
  const auto r = tx.exec_params(std::string("DELETE FROM keapsync.outbox WHERE ") + kDeadFilter,
                                id_array(f.ids), f.account.value_or(""));
  tx.commit();
  return static_cast<std::int64_t>(r.affected_rows());
}

std::vector<AccountStatus> OutboxRepository::status() {
  pqxx::read_transaction tx(conn_);
  const auto r = tx.exec(
      "WITH rows AS ("
      "  SELECT account, count(*) FILTER (WHERE state = 'pending') AS pending,"
      "         count(*) FILTER (WHERE state = 'dead') AS dead"
      "  FROM keapsync.outbox GROUP BY account),"
      " lanes AS ("
      "  SELECT account, count(*) AS contacts,"
      "         count(*) FILTER (WHERE lease_token IS NOT NULL) AS leased,"
      "         count(*) FILTER (WHERE lease_until IS NOT NULL AND lease_token IS NULL) AS waiting,"
      "         min(first_id) AS first_id"
      "  FROM keapsync.lane GROUP BY account)"
      " SELECT coalesce(rows.account, lanes.account), coalesce(pending, 0),"
      "   coalesce(contacts, 0), coalesce(leased, 0), coalesce(waiting, 0),"
      "   (SELECT keapsync.ts_to_us(created_at) FROM keapsync.outbox WHERE id = lanes.first_id),"
      "   coalesce(dead, 0)"
      " FROM rows FULL JOIN lanes ON rows.account = lanes.account ORDER BY 1");
  std::vector<AccountStatus> out;
  for (const auto& row : r) {
    AccountStatus s;
    s.account = row[0].as<std::string>();
    s.pending_rows = row[1].as<std::int64_t>();
    s.pending_contacts = row[2].as<std::int64_t>();
    s.leased_contacts = row[3].as<std::int64_t>();
    s.waiting_contacts = row[4].as<std::int64_t>();
    if (!row[5].is_null()) s.oldest_pending = from_micros(row[5].as<std::int64_t>());
    s.dead_rows = row[6].as<std::int64_t>();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace keapsync::db
