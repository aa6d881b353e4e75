// Every SQL statement on the outbox: claiming contacts with a lease, settling
// their rows (delivered, retry, dead), renewing and releasing leases, the
// dead-letter desk and the status figures. Each call is one short transaction:
// no transaction stays open while a worker talks to Keap. Leases and retry
// times are counted by the database's clock (clock_timestamp()), so the wall
// clocks of the daemons never decide who holds a contact.
#pragma once

#include <chrono>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "db/account_status.hpp"
#include "db/claimed_contact.hpp"
#include "db/dead_letter_filter.hpp"
#include "db/dead_row.hpp"
#include "db/lease_renewal.hpp"
#include "db/settlement.hpp"

namespace keapsync::db {

// What one claim may take, per account. Accounts not named are left alone:
// their rows stay pending for a daemon that knows them, or until this one can
// deliver them again (blocked, throttled).
struct AccountQuota {
  std::string account;
  int contacts = 0;  // at most this many of its contacts
};

struct ClaimOptions {
  std::string worker;                // who holds the lease (host:pid:n), for status
  std::vector<AccountQuota> quotas;  // empty: nothing is claimed
  int max_contacts = 50;             // in all, oldest first across the accounts
  int max_rows_per_contact = 100;    // rows coalesced per contact
  // Payloads whose JSON text is longer are not fetched (see OutboxRow::payload_bytes); the
  // dispatcher passes keap::PayloadLimits::payload_bytes.
  std::int64_t max_payload_bytes = 256 * 1024;
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  // A contact claimed this many times in a row without a settlement (each
  // claim ended by a crash or a lost lease) goes dead instead.
  int max_unsettled_claims = 5;
};

// One contact to settle and what became of its rows (both outlive the call).
struct SettleRequest {
  const ClaimedContact* contact;
  const Settlement* settlement;
};

class OutboxRepository {
 public:
  explicit OutboxRepository(pqxx::connection& conn) : conn_(conn) {}

  // Leases up to max_contacts contacts that nobody holds, oldest first within
  // each account's quota, each with its pending rows, until `lease` after the
  // database's now. Expired leases and elapsed retry waits are freed first. A
  // contact is never handed out while another worker holds it.
  std::vector<ClaimedContact> claim(const ClaimOptions& options);

  // Applies `s` to the claimed rows (each last_error cut by capped_error) and
  // frees the contact: it disappears when no pending row is left, waits
  // s.retry_after when rows are retried, and is free again at once when rows
  // arrived meanwhile or remain. Rows of the contact not named in `s` stay pending. `busy` when a
  // shop transaction holds the contact's lane (it waits for nobody): try again shortly.
  SettleResult settle(const ClaimedContact& contact, const Settlement& s);

  // settle() for many contacts in one transaction, one statement per kind of
  // change (the dispatcher's group commit); a result per request, in order.
  std::vector<SettleResult> settle_many(const std::vector<SettleRequest>& batch);

  // Shorthands for the usual outcomes of a whole contact.
  SettleResult ack(const ClaimedContact& contact);
  SettleResult retry(const ClaimedContact& contact, const std::string& error,
                     std::chrono::milliseconds retry_after);
  SettleResult dead(const ClaimedContact& contact, const std::string& reason);

  // Renews the leases `tokens` until `lease` after the database's now, in one
  // statement that waits for no lock: a lane a shop transaction holds is
  // skipped this time (its lease runs on), a token no lane carries is lost.
  LeaseRenewal renew(const std::vector<std::int64_t>& tokens, std::chrono::milliseconds lease);

  // Row `id`'s goal fired: deleted now, under the lease `lease_token`, not
  // only with the contact's settlement.
  void achieved(std::int64_t id, std::int64_t lease_token);

  // Notes that row `id`'s goal is about to be sent to Keap, if the lease
  // `lease_token` still holds its lane (false: it does not, send nothing).
  bool mark_sent(std::int64_t id, std::int64_t lease_token);

  // Gives the contacts back untouched (shutdown): no attempt is counted.
  // Lanes a shop transaction holds are skipped (their leases run out instead);
  // returns how many were released.
  std::int64_t release(const std::vector<std::int64_t>& tokens);

  // Gives pending rows that have no lane one (rows copied in with the trigger
  // disabled, as a restore may do): otherwise nobody would claim them.
  // Returns how many lanes were made.
  std::int64_t restore_lanes();

  // The dead-letter desk.
  std::vector<DeadRow> list_dead(const DeadLetterFilter& filter, int limit);
  // Makes dead rows pending again (attempts reset); returns how many. Without
  // ids, goal rows that may have fired (sent_at set) stay dead: each is for a
  // person to check in Keap and name with its id.
  std::int64_t retry_dead(const DeadLetterFilter& filter);
  // The dead goal rows of `filter` that may have fired (retried only by id).
  std::int64_t uncertain_dead(const DeadLetterFilter& filter);
  // Deletes dead rows for good; returns how many.
  std::int64_t discard_dead(const DeadLetterFilter& filter);

  // Backlog per account, sorted by account.
  std::vector<AccountStatus> status();

 private:
  pqxx::connection& conn_;
};

}  // namespace keapsync::db
