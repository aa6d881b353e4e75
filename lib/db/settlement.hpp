// What became of the rows of one claimed contact: delivered, dead, or to retry.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <chrono>

namespace keapsync::db {

struct Settlement {
  std::vector<std::int64_t> delivered;                     // deleted
  std::vector<std::pair<std::int64_t, std::string>> dead;  // id, reason
  std::vector<std::int64_t> retry;                         // attempts + 1
  std::string retry_error;                                 // last_error of retried rows
  // How long the contact waits (when retry is not empty), from the database's now.
  std::chrono::milliseconds retry_after{0};
  // False when the wait is not the rows' fault (throttling, a blocked account):
  // last_error is recorded but no attempt is counted toward worker.max_attempts.
  bool count_attempt = true;
  // What delivering learned about the contact's Keap id (created, or merged
  // away in Keap): written with the rows, in the same transaction.
  enum class KeapId { unchanged, learned, forgotten };
  KeapId keap_id_change = KeapId::unchanged;
  std::string keap_id;  // when learned
};

// How settling went: a lease that expired and was taken over is not ours to
// settle; a lane a shop transaction holds is busy (nothing was written).
enum class SettleResult { settled, lease_lost, busy };

}  // namespace keapsync::db
