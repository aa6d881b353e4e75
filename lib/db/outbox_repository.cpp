// The outbox statements. The claim design (lanes, SKIP LOCKED, partial
// indexes on free and held lanes) is explained in docs/outbox.md.
#include "db/outbox_repository.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <tuple>

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
  // With each contact, what the delivery needs of the contact map: its Keap id,
  // and when a create Keap cannot match by e-mail was noted (less ten minutes for Keap's clock).
  const pqxx::result r = tx.exec_params(
      "SELECT l.account, l.contact_ref, l.lease_token,"
      "   r.id, r.op, CASE WHEN r.bytes <= $4 THEN r.payload END, r.attempts,"
      "   keapsync.ts_to_us(r.created_at), coalesce(r.bytes, 0), m.keap_id,"
      "   to_char((cc.started_at - interval '10 minutes') AT TIME ZONE 'UTC',"
      "     'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.sent_at IS NOT NULL"
      " FROM unnest($1::text[], $2::text[]) AS k(account, contact_ref)"
      " JOIN keapsync.lane l ON l.account = k.account AND l.contact_ref = k.contact_ref"
      " LEFT JOIN keapsync.contact_map m"
      "   ON m.account = l.account AND m.contact_ref = l.contact_ref"
      " LEFT JOIN keapsync.contact_create cc"
      "   ON cc.account = l.account AND cc.contact_ref = l.contact_ref"
      " LEFT JOIN LATERAL ("
      "   SELECT id, op, payload, octet_length(payload) AS bytes, attempts, created_at, sent_at"
      "   FROM (SELECT id, op, payload::text AS payload, attempts, created_at, sent_at"
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
      contacts.push_back({row[0].as<std::string>(),
                          row[1].as<std::string>(),
                          token,
                          {},
                          optional_text(row[9]),
                          optional_text(row[10])});
    }
    if (row[3].is_null()) continue;  // a lane whose rows were all discarded
    contacts.back().rows.push_back({row[3].as<std::int64_t>(), row[4].as<std::string>(),
                                    optional_text(row[5]), row[6].as<int>(),
                                    from_micros(row[7].as<std::int64_t>()),
                                    row[8].as<std::int64_t>(), row[11].as<bool>()});
  }
  // Lanes without rows are settled at once so they vanish (or free up); a
  // contact whose every claim ended without a result is dead-lettered.
  std::vector<ClaimedContact> keep, drop;
  std::vector<Settlement> drop_settlements;
  for (auto& c : contacts) {
    const bool poisoned = std::find(unsettled.begin(), unsettled.end(),
                                    std::pair(c.account, c.contact_ref)) != unsettled.end();
    if (!c.rows.empty() && !poisoned) {
      keep.push_back(std::move(c));
      continue;
    }
    Settlement s;
    if (poisoned) {
      const auto reason = "internal: delivering this contact ended " +
                          std::to_string(o.max_unsettled_claims) +
                          " times in a row without a result (the daemon stopped or lost the "
                          "lease each time); see the daemon's log for this contact_ref";
      for (const auto& row : c.rows)
        s.dead.emplace_back(row.id, reason);
    }
    drop.push_back(std::move(c));
    drop_settlements.push_back(std::move(s));
  }
  if (!drop.empty()) {
    std::vector<SettleRequest> batch;
    for (std::size_t i = 0; i < drop.size(); ++i)
      batch.push_back({&drop[i], &drop_settlements[i]});
    settle_many(batch);
  }
  return keep;
}

std::vector<SettleResult> OutboxRepository::settle_many(const std::vector<SettleRequest>& batch) {
  std::vector<SettleResult> results(batch.size(), SettleResult::lease_lost);
  if (batch.empty()) return results;
  std::vector<std::string> accounts, refs;
  std::vector<std::int64_t> tokens;
  for (const auto& [c, s] : batch) {
    accounts.push_back(c->account);
    refs.push_back(c->contact_ref);
    tokens.push_back(c->lease_token);
  }
  pqxx::work tx(conn_);
  // The lanes these tokens still hold, locked without waiting: a shop
  // transaction whose insert touched a lane holds it until it commits.
  constexpr const char* kHeld =
      " FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY"
      "   AS k(account, contact_ref, token, i)"
      " JOIN keapsync.lane l ON l.account = k.account AND l.contact_ref = k.contact_ref"
      "   AND l.lease_token = k.token";
  const auto a = text_array(accounts), r = text_array(refs), t = id_array(tokens);
  std::vector<bool> held(batch.size(), false);
  std::size_t held_count = 0;
  for (const auto& row : tx.exec_params(
           std::string("SELECT k.i") + kHeld + " FOR UPDATE OF l SKIP LOCKED", a, r, t)) {
    const auto i = row[0].as<std::size_t>() - 1;
    held[i] = true;
    results[i] = SettleResult::settled;
    ++held_count;
  }
  if (held_count < batch.size()) {
    // Still ours but locked by someone else: busy (nothing written); the rest is lost.
    for (const auto& row : tx.exec_params(std::string("SELECT k.i") + kHeld, a, r, t)) {
      const auto i = row[0].as<std::size_t>() - 1;
      if (!held[i]) results[i] = SettleResult::busy;
    }
  }
  if (held_count == 0) {
    tx.commit();
    return results;
  }

  // One statement per kind of change, over every held contact, taken in
  // (account, contact_ref) order: the contact map's rows are locked in the
  // order everyone who locks several takes them, so no two transactions deadlock.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (held[i]) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& a = *batch[x].contact;
    const auto& b = *batch[y].contact;
    return std::tie(a.account, a.contact_ref) < std::tie(b.account, b.contact_ref);
  });
  std::vector<std::int64_t> delivered, dead_ids, retry_ids, retry_counts;
  std::vector<std::string> delivered_accounts, delivered_refs, dead_reasons, retry_errors;
  std::vector<std::string> learned_accounts, learned_refs, learned_ids;
  std::vector<std::string> forgotten_accounts, forgotten_refs;
  std::vector<std::string> lane_accounts, lane_refs;
  std::vector<std::int64_t> lane_waits;  // ms until free again; -1: free now
  for (const auto i : order) {
    const ClaimedContact& c = *batch[i].contact;
    const Settlement& s = *batch[i].settlement;
    for (const auto id : s.delivered) {
      delivered.push_back(id);
      delivered_accounts.push_back(c.account);
      delivered_refs.push_back(c.contact_ref);
    }
    for (const auto& [id, reason] : s.dead) {
      dead_ids.push_back(id);
      dead_reasons.push_back(capped_error(reason));
    }
    const auto retry_error = s.retry.empty() ? std::string() : capped_error(s.retry_error);
    for (const auto id : s.retry) {
      retry_ids.push_back(id);
      retry_errors.push_back(retry_error);
      retry_counts.push_back(s.count_attempt ? 1 : 0);
    }
    if (s.keap_id_change == Settlement::KeapId::learned) {
      learned_accounts.push_back(c.account);
      learned_refs.push_back(c.contact_ref);
      learned_ids.push_back(s.keap_id);
    } else if (s.keap_id_change == Settlement::KeapId::forgotten) {
      forgotten_accounts.push_back(c.account);
      forgotten_refs.push_back(c.contact_ref);
    }
    lane_accounts.push_back(c.account);
    lane_refs.push_back(c.contact_ref);
    lane_waits.push_back(s.retry.empty() ? -1 : std::max<std::int64_t>(0, s.retry_after.count()));
  }
  if (!delivered.empty()) {
    tx.exec_params(
        "DELETE FROM keapsync.outbox o"
        " USING unnest($1::bigint[], $2::text[], $3::text[]) AS d(id, account, contact_ref)"
        " WHERE o.id = d.id AND o.account = d.account AND o.contact_ref = d.contact_ref"
        " AND o.state = 'pending'",
        id_array(delivered), text_array(delivered_accounts), text_array(delivered_refs));
  }
  if (!dead_ids.empty()) {
    tx.exec_params(
        "UPDATE keapsync.outbox o SET state = 'dead', attempts = o.attempts + 1,"
        " last_error = d.reason, last_attempt_at = now(), dead_at = now()"
        " FROM unnest($1::bigint[], $2::text[]) AS d(id, reason)"
        " WHERE o.id = d.id AND o.state = 'pending'",
        id_array(dead_ids), text_array(dead_reasons));
  }
  if (!retry_ids.empty()) {
    tx.exec_params(
        "UPDATE keapsync.outbox o SET attempts = o.attempts + d.n, last_error = d.error,"
        " last_attempt_at = now(), sent_at = NULL"
        " FROM unnest($1::bigint[], $2::text[], $3::int[]) AS d(id, error, n)"
        " WHERE o.id = d.id AND o.state = 'pending'",
        id_array(retry_ids), text_array(retry_errors), id_array(retry_counts));
  }
  if (!learned_ids.empty()) {
    // What delivering learned about the contacts' Keap ids, with the rows.
    tx.exec_params(
        "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
        "           AS k(account, contact_ref, keap_id)),"
        " noted AS (DELETE FROM keapsync.contact_create cc USING k"
        "           WHERE cc.account = k.account AND cc.contact_ref = k.contact_ref)"
        " INSERT INTO keapsync.contact_map (account, contact_ref, keap_id)"
        " SELECT account, contact_ref, keap_id FROM k"
        " ON CONFLICT (account, contact_ref)"
        " DO UPDATE SET keap_id = excluded.keap_id, updated_at = now()",
        text_array(learned_accounts), text_array(learned_refs), text_array(learned_ids));
  }
  if (!forgotten_accounts.empty()) {
    tx.exec_params(
        "DELETE FROM keapsync.contact_map m"
        " USING unnest($1::text[], $2::text[]) AS k(account, contact_ref)"
        " WHERE m.account = k.account AND m.contact_ref = k.contact_ref",
        text_array(forgotten_accounts), text_array(forgotten_refs));
  }
  // The lanes: gone when nothing is pending, else free (or waiting for the
  // retry) from their oldest pending row, which may have arrived meanwhile.
  tx.exec_params(
      "WITH k AS (SELECT k.account, k.contact_ref, k.wait,"
      "             (SELECT min(o.id) FROM keapsync.outbox o WHERE o.account = k.account"
      "              AND o.contact_ref = k.contact_ref AND o.state = 'pending') AS first_id"
      "           FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(account, contact_ref, "
      "wait)),"
      " gone AS (DELETE FROM keapsync.lane l USING k"
      "          WHERE l.account = k.account AND l.contact_ref = k.contact_ref"
      "          AND k.first_id IS NULL)"
      " UPDATE keapsync.lane l SET first_id = k.first_id,"
      "   lease_until = CASE WHEN k.wait < 0 THEN NULL"
      "                 ELSE clock_timestamp() + k.wait * interval '1 millisecond' END,"
      "   leased_by = NULL, lease_token = NULL, claims = 0"
      " FROM k WHERE l.account = k.account AND l.contact_ref = k.contact_ref"
      " AND k.first_id IS NOT NULL",
      text_array(lane_accounts), text_array(lane_refs), id_array(lane_waits));
  tx.commit();
  return results;
}

SettleResult OutboxRepository::settle(const ClaimedContact& c, const Settlement& s) {
  return settle_many({{&c, &s}}).front();
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

void OutboxRepository::achieved(std::int64_t id, std::int64_t lease_token) {
  pqxx::work tx(conn_);
  tx.exec_params(
      "DELETE FROM keapsync.outbox o USING keapsync.lane l"
      " WHERE o.id = $1 AND o.state = 'pending' AND l.account = o.account"
      " AND l.contact_ref = o.contact_ref AND l.lease_token = $2",
      id, lease_token);
  tx.commit();
}

bool OutboxRepository::mark_sent(std::int64_t id, std::int64_t lease_token) {
  pqxx::work tx(conn_);
  const auto r = tx.exec_params(
      "UPDATE keapsync.outbox o SET sent_at = now() FROM keapsync.lane l"
      " WHERE o.id = $1 AND o.state = 'pending' AND l.account = o.account"
      " AND l.contact_ref = o.contact_ref AND l.lease_token = $2"
      " AND l.lease_until > clock_timestamp()",
      id, lease_token);
  tx.commit();
  return r.affected_rows() == 1;
}

std::int64_t OutboxRepository::uncertain_dead(const DeadLetterFilter& f) {
  pqxx::work tx(conn_);
  const auto r = tx.exec_params(std::string("SELECT count(*) FROM keapsync.outbox WHERE ") +
                                    kDeadFilter + " AND sent_at IS NOT NULL",
                                id_array(f.ids), f.account.value_or(""));
  tx.commit();
  return r[0][0].as<std::int64_t>();
}

std::int64_t OutboxRepository::retry_dead(const DeadLetterFilter& f) {
  pqxx::work tx(conn_);
  // Revived rows rejoin their contact's lane in id order (see docs/outbox.md).
  const auto r = tx.exec_params(
      std::string("WITH revived AS ("
                  "  UPDATE keapsync.outbox SET state = 'pending', attempts = 0, dead_at = NULL,"
                  "  sent_at = NULL"
                  "  WHERE ") +
          kDeadFilter +
          "  AND (sent_at IS NULL OR cardinality($1::bigint[]) > 0)"
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
