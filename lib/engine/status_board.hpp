// StatusBoard: the latest StatusSnapshot, published by the daemon's observer and read by the
// status server (GET /status.json); thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "engine/status_snapshot.hpp"

namespace keapsync::engine {

class StatusBoard {
 public:
  void publish(StatusSnapshot snapshot) {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
    published_ = true;
  }
  // to_json() of the latest snapshot; empty before the first publish().
  std::string json() const {
    std::lock_guard lock(mutex_);
    return published_ ? to_json(snapshot_) : std::string();
  }

 private:
  mutable std::mutex mutex_;
  StatusSnapshot snapshot_;
  bool published_ = false;
};

}  // namespace keapsync::engine
