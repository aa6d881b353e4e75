// RateHistory: a ring of per-minute counts per account.
#include "engine/rate_history.hpp"

#include <algorithm>
#include <stdexcept>

namespace keapsync::engine {

namespace {

// Floor division: a minute before the epoch (a test clock at 0) stays in order.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

RateHistory::RateHistory(Clock clock, int minutes) : clock_(std::move(clock)), minutes_(minutes) {
  if (minutes_ < 1) throw std::invalid_argument("RateHistory: minutes must be at least 1");
}

std::int64_t RateHistory::minute_of(TimePoint t) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return floor_div(seconds, 60);
}

void RateHistory::observe(const std::string& account, std::int64_t delivered_total,
                          std::int64_t requests_total) {
  const std::int64_t minute = minute_of(clock_());
  std::lock_guard lock(mutex_);
  auto& s = series_[account];
  if (s.ring.empty()) s.ring.resize(static_cast<std::size_t>(minutes_));
  const auto growth = [](std::int64_t now, std::int64_t& last) {
    const std::int64_t d = now >= last ? now - last : now;  // a reset counts from 0
    last = now;
    return d;
  };
  const std::int64_t delivered = growth(delivered_total, s.delivered_total);
  const std::int64_t requests = growth(requests_total, s.requests_total);
  if (delivered == 0 && requests == 0) return;
  auto& bucket = s.ring[static_cast<std::size_t>(minute - floor_div(minute, minutes_) * minutes_)];
  if (bucket.minute != minute) bucket = Bucket{minute, {}};
  bucket.counts.delivered += delivered;
  bucket.counts.requests += requests;
}

MinuteCounts RateHistory::at(const Series& s, std::int64_t minute) const {
  const auto& bucket =
      s.ring[static_cast<std::size_t>(minute - floor_div(minute, minutes_) * minutes_)];
  return bucket.minute == minute ? bucket.counts : MinuteCounts{};
}

std::vector<MinuteCounts> RateHistory::last_hour(const std::string& account) const {
  const std::int64_t now = minute_of(clock_());
  std::vector<MinuteCounts> out(static_cast<std::size_t>(minutes_));
  std::lock_guard lock(mutex_);
  const auto it = series_.find(account);
  if (it == series_.end()) return out;
  for (int i = 0; i < minutes_; ++i)
    out[static_cast<std::size_t>(i)] = at(it->second, now - (minutes_ - 1) + i);
  return out;
}

TimePoint RateHistory::first_minute() const {
  const std::int64_t first = minute_of(clock_()) - (minutes_ - 1);
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::minutes(first)));
}

MinuteRate RateHistory::rate(const std::string& account, Duration window, TimePoint since) const {
  const TimePoint now = clock_();
  const TimePoint from = std::max(now - window, since);
  if (from >= now) return {};
  const std::int64_t first = minute_of(from);
  const std::int64_t last = minute_of(now);
  MinuteCounts sum;
  {
    std::lock_guard lock(mutex_);
    const auto it = series_.find(account);
    if (it == series_.end()) return {};
    for (std::int64_t m = std::max(first, last - (minutes_ - 1)); m <= last; ++m) {
      const auto c = at(it->second, m);
      sum.delivered += c.delivered;
      sum.requests += c.requests;
    }
  }
  // The counts are whole minutes from `first` on; the time they cover ends now.
  const TimePoint counted_from =
      TimePoint(std::chrono::duration_cast<Duration>(std::chrono::minutes(first)));
  const double minutes = std::max(
      std::chrono::duration<double, std::ratio<60>>(now - std::max(counted_from, since)).count(),
      1.0 / 60);
  return {static_cast<double>(sum.delivered) / minutes,
          static_cast<double>(sum.requests) / minutes};
}

std::vector<std::string> RateHistory::accounts() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, s] : series_)
    out.push_back(name);
  return out;
}

}  // namespace keapsync::engine
