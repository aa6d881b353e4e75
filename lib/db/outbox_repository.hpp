// Every SQL statement on the outbox: claiming contacts with a lease, settling
// their rows (delivered, retry, dead), releasing, the dead-letter desk and the
// status figures. Each call is one short transaction: no transaction stays open
// while a worker talks to Keap.
#pragma once

#include <chrono>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "db/account_status.hpp"
#include "db/claimed_contact.hpp"
#include "db/dead_letter_filter.hpp"
#include "db/dead_row.hpp"
#include "db/settlement.hpp"
#include "db/timestamp.hpp"

namespace keapsync::db {

struct ClaimOptions {
  std::string worker;              // who holds the lease (host:pid:n), for status
  int max_contacts = 50;           // lanes per claim
  int max_rows_per_contact = 100;  // rows coalesced per contact
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
};

class OutboxRepository {
 public:
  explicit OutboxRepository(pqxx::connection& conn) : conn_(conn) {}

  // Leases up to max_contacts contacts that nobody holds, oldest first, each
  // with its pending rows. Expired leases and elapsed retry waits are freed
  // first. A contact is never handed out while another worker holds it.
  std::vector<ClaimedContact> claim(const ClaimOptions& options, Timestamp now);

  // Applies `s` to the claimed rows and frees the contact: it disappears when
  // no pending row is left, waits until s.retry_at when rows are retried, and
  // is free again at once when rows arrived meanwhile or remain. Rows of the
  // contact not named in `s` stay pending.
  SettleResult settle(const ClaimedContact& contact, const Settlement& s, Timestamp now);

  // Shorthands for the usual outcomes of a whole contact.
  SettleResult ack(const ClaimedContact& contact, Timestamp now);
  SettleResult retry(const ClaimedContact& contact, const std::string& error, Timestamp retry_at,
                     Timestamp now);
  SettleResult dead(const ClaimedContact& contact, const std::string& reason, Timestamp now);

  // Gives the contact back untouched (shutdown): no attempt is counted.
  SettleResult release(const ClaimedContact& contact);

  // Pushes the lease of a contact still being worked on further out.
  SettleResult extend(const ClaimedContact& contact, Timestamp lease_until);

  // The dead-letter desk.
  std::vector<DeadRow> list_dead(const DeadLetterFilter& filter, int limit);
  // Makes dead rows pending again (attempts reset); returns how many.
  std::int64_t retry_dead(const DeadLetterFilter& filter);
  // Deletes dead rows for good; returns how many.
  std::int64_t discard_dead(const DeadLetterFilter& filter);

  // Backlog per account, sorted by account.
  std::vector<AccountStatus> status();

 private:
  pqxx::connection& conn_;
};

}  // namespace keapsync::db
