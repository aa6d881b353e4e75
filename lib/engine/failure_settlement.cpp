// Transient failure → retry or dead.
#include "engine/failure_settlement.hpp"

#include <algorithm>

namespace keapsync::engine {

db::Settlement settle_transient_failure(const db::ClaimedContact& contact, const std::string& error,
                                        const RetryPolicy& policy, db::Timestamp now) {
  int attempts = 0;
  for (const auto& row : contact.rows)
    attempts = std::max(attempts, row.attempts);
  const RetryDecision decision = policy.after_failure(attempts + 1);
  db::Settlement s;
  for (const auto& row : contact.rows) {
    if (decision.give_up) {
      s.dead.emplace_back(row.id, "gave up after " + std::to_string(attempts + 1) +
                                      " attempts; last error: " + error);
    } else {
      s.retry.push_back(row.id);
    }
  }
  s.retry_error = error;
  s.retry_at = now + decision.delay;
  return s;
}

}  // namespace keapsync::engine
