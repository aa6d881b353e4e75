// RateHistory: the last hour of delivery, per account and minute, for the status page; thread-safe.
//
// The daemon's observer feeds it the running totals it already has (rows delivered, Keap
// requests sent since start) every second; the growth since the previous call is counted in the
// minute of the clock's now. A ring of `minutes` buckets per account, keyed by the minute since the
// epoch: a bucket from an older lap reads as 0, so minutes without a call (an idle daemon) are 0,
// and a clock that goes backwards only adds to a minute already shown.
//
//   RateHistory history(clock);
//   history.observe("shop", delivered_total, requests_total);  // every second
//   history.last_hour("shop");   // 60 MinuteCounts, oldest first, the current minute last
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.hpp"

namespace keapsync::engine {

struct MinuteCounts {
  std::int64_t delivered = 0;  // rows delivered to Keap
  std::int64_t requests = 0;   // requests sent to Keap (each answer and transport error)
};

// Per minute, averaged over a window.
struct MinuteRate {
  double delivered = 0;
  double requests = 0;
};

class RateHistory {
 public:
  explicit RateHistory(Clock clock, int minutes = 60);

  // The account's totals since start now; the growth since the last call goes into this minute.
  // A total smaller than the last one (a counter reset) starts over from it.
  void observe(const std::string& account, std::int64_t delivered_total,
               std::int64_t requests_total);

  // The last minutes() minutes of `account`, oldest first; the last is the current minute,
  // still filling. All 0 for an account never observed.
  std::vector<MinuteCounts> last_hour(const std::string& account) const;
  // When the first minute of last_hour() began.
  TimePoint first_minute() const;
  int minutes() const { return minutes_; }

  // The mean per minute over the last `window` up to now (the current minute counts for the part
  // of it that passed), not before `since` (the daemon's start); 0 when no time passed.
  MinuteRate rate(const std::string& account, Duration window, TimePoint since) const;

  // The accounts observed so far, sorted.
  std::vector<std::string> accounts() const;

 private:
  struct Bucket {
    std::int64_t minute = -1;  // minutes since the epoch; -1: never used
    MinuteCounts counts;
  };
  struct Series {
    std::vector<Bucket> ring;
    std::int64_t delivered_total = 0;
    std::int64_t requests_total = 0;
  };

  static std::int64_t minute_of(TimePoint t);
  MinuteCounts at(const Series& s, std::int64_t minute) const;

  Clock clock_;
  int minutes_;
  mutable std::mutex mutex_;
  std::map<std::string, Series> series_;
};

}  // namespace keapsync::engine
