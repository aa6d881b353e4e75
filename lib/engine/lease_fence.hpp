// One claimed contact's lease as this daemon may rely on it.
//
// The database frees a lease `lease` after the statement that last set it
// (claim or renewal) ran there. The fence counts the same length from before
// that statement was sent, less a margin, on this machine's steady clock: it
// ends first whatever the clocks of the daemons and the database say. No Keap
// call of a delivery may be in flight after its fence, so a contact another
// worker takes over never receives an older change after a newer one.
#pragma once

#include <chrono>
#include <optional>

namespace keapsync::engine {

class LeaseFence {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using Millis = std::chrono::milliseconds;

  // Below this, a call is not started: it could not finish.
  static constexpr Millis kMinCall{1000};
  // Steady clocks and the database's clock may drift apart this much over one lease.
  static constexpr Millis kMargin{500};

  // `sent`: when the claim that took the lease was sent.
  LeaseFence(SteadyTime sent, Millis lease);

  // The longest a single Keap call may take: half the lease, so that a
  // renewal every sixth of it always leaves the whole limit to a new call.
  static Millis call_limit(Millis lease) { return lease / 2; }
  static Millis renew_interval(Millis lease) { return lease / 6; }

  void renewed(SteadyTime sent);  // a renewal sent at `sent` reached the database
  void revoke();                  // lost, or shutting down: no call starts any more

  bool held(SteadyTime now) const { return !revoked_ && now < until_; }
  bool revoked() const { return revoked_; }
  // When a call that starts now must have ended; nullopt: do not start it.
  std::optional<SteadyTime> call_deadline(SteadyTime now) const;

 private:
  Millis lease_;
  SteadyTime until_;
  bool revoked_ = false;
};

}  // namespace keapsync::engine
