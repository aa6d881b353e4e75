// Transient failure → retry or dead.
#include "engine/failure_settlement.hpp"

#include <algorithm>

namespace keapsync::engine {

db::Settlement settle_transient_failure(const db::ClaimedContact& contact, const std::string& error,
                                        const RetryPolicy& policy) {
  db::Settlement s;
  int waiting_attempts = 0;
  for (const auto& row : contact.rows) {
    const int attempt = row.attempts + 1;
    if (attempt >= policy.max_attempts()) {
      s.dead.emplace_back(
          row.id, "gave up after " + std::to_string(attempt) + " attempts; last error: " + error);
    } else {
      s.retry.push_back(row.id);
      waiting_attempts = std::max(waiting_attempts, attempt);
    }
  }
  s.retry_error = error;
  if (!s.retry.empty()) {
    s.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(
        policy.after_failure(waiting_attempts).delay);
  }
  return s;
}

}  // namespace keapsync::engine
