// A clock that only moves when told to: tests advance it instead of sleeping.
#pragma once

#include <memory>

#include "base/clock.hpp"

namespace keapsync {

class ManualClock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(std::make_shared<TimePoint>(start)) {}

  TimePoint now() const { return *now_; }
  void advance(Duration d) { *now_ += d; }
  void set(TimePoint t) { *now_ = t; }

  // A Clock that reads this one (copies share the same time).
  Clock clock() const {
    return [now = now_] { return *now; };
  }

 private:
  std::shared_ptr<TimePoint> now_;
};

}  // namespace keapsync
