// When the claim loop claims. Answers from Keap free slots one at a time; a
// claim per freed slot would cost a database transaction per contact. So a
// few freed slots are gathered for a moment first, and one claim takes them
// all, unless nothing is in flight (a lone row waits for nobody) or enough
// slots are open already. Pure: tested without a database or a clock.
#pragma once

#include <chrono>

namespace keapsync::engine {

struct ClaimGate {
  // How long slots are gathered at most: short beside any Keap answer.
  static constexpr std::chrono::milliseconds kGather{5};

  // Open slots worth a claim at once: an eighth of what may be in flight.
  static int worth(int capacity);

  // How much longer to wait before claiming `open` slots, zero: claim now.
  // `capacity` is what may be in flight in all, `gathering` how long slots
  // have been gathered so far. With no open slot there is nothing to claim:
  // the wait is `kGather` and the caller sleeps until a slot frees.
  static std::chrono::milliseconds wait(int open, int in_flight, int capacity,
                                        std::chrono::steady_clock::duration gathering);
};

}  // namespace keapsync::engine
