// The injectable clock of the keap layer: one wall clock (system_clock, UTC) for every decision.
//
// Why one wall clock and not steady_clock for timers: every deadline Keap gives us is wall time
// (expires_in counted from the moment the token was issued, quota expiry as epoch milliseconds,
// Retry-After as an HTTP-date, the daily reset at 00:00 UTC). The policy classes take `now` as a
// parameter and return time points; the I/O layer arms a steady_timer with `until - clock()` each
// time, so a wall-clock jump changes one wait, never a stored deadline. The classes tolerate the
// clock going backwards (no refill, no negative waits).
#pragma once

#include <chrono>
#include <functional>

namespace keapsync {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

// Returns the current time. Production: system_clock(); tests: a ManualClock.
using Clock = std::function<TimePoint()>;

// The real clock.
Clock system_clock();

}  // namespace keapsync
