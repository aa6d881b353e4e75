// Exact rolling-window limit; tolerant of a clock that goes backwards (old grants stay counted).
#include "keap/sliding_window.hpp"

#include <algorithm>

namespace keapsync::keap {

SlidingWindow::SlidingWindow(std::int64_t limit, Duration window)
    : limit_(std::clamp<std::int64_t>(limit, 0, kMaxLimit)), window_(window) {
  if (window_ <= Duration::zero()) limit_ = 0;
}

void SlidingWindow::expire(TimePoint now) {
  while (!grants_.empty() && grants_.front().at <= now - window_)
    grants_.pop_front();
}

TimePoint SlidingWindow::ready_at(TimePoint now) {
  if (!enabled()) return now;
  expire(now);
  const auto count = static_cast<std::int64_t>(grants_.size());
  if (count < limit_) return now;
  // The grant that must leave the window before one more fits.
  return std::max(now, grants_[static_cast<std::size_t>(count - limit_)].at + window_);
}

void SlidingWindow::take(TimePoint now) {
  if (!enabled()) return;
  expire(now);
  // Keep the log ordered even if the clock went back.
  grants_.push_back({grants_.empty() ? now : std::max(now, grants_.back().at)});
}

void SlidingWindow::limit_available(std::int64_t available, TimePoint now, TimePoint sent) {
  if (!enabled()) return;
  expire(now);
  const auto at = std::upper_bound(grants_.begin(), grants_.end(), sent,
                                   [](TimePoint t, const Grant& g) { return t < g.at; });
  const auto unseen = std::count_if(at, grants_.end(), [](const Grant& g) { return g.ours; });
  const std::int64_t missing = this->available(now) - std::max<std::int64_t>(available - unseen, 0);
  // Others' grants, counted where the server had counted them (by `sent`):
  // an answer for an earlier request never takes them for ours on their way.
  if (missing > 0) grants_.insert(at, static_cast<std::size_t>(missing), Grant{sent, false});
}

void SlidingWindow::restamp(TimePoint granted, TimePoint reached) {
  if (!enabled() || reached <= granted) return;
  // The latest of ours at `granted`: grants are taken in time order, so it is near the back.
  const auto it = std::find_if(grants_.rbegin(), grants_.rend(),
                               [&](const Grant& g) { return g.ours && g.at == granted; });
  // Not found: it left the window before the request reached the server (a
  // handshake longer than the window); it counts again from `reached`.
  if (it != grants_.rend()) grants_.erase(std::next(it).base());
  const auto at = std::upper_bound(grants_.begin(), grants_.end(), reached,
                                   [](TimePoint t, const Grant& g) { return t < g.at; });
  grants_.insert(at, Grant{reached, true});
}

void SlidingWindow::set_limit(std::int64_t limit) {
  if (!enabled() || limit <= 0 || limit > kMaxLimit) return;
  limit_ = limit;
}

std::int64_t SlidingWindow::available(TimePoint now) {
  if (!enabled()) return 0;
  expire(now);
  return std::max<std::int64_t>(limit_ - static_cast<std::int64_t>(grants_.size()), 0);
}

}  // namespace keapsync::keap
