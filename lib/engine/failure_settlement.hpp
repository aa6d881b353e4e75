// Turns a transient failure of a claimed contact into its Settlement: retry
// after the policy's delay, or dead once the attempts are used up.
#pragma once

#include <string>

#include "db/claimed_contact.hpp"
#include "db/settlement.hpp"
#include "engine/retry_policy.hpp"

namespace keapsync::engine {

// Each row counts its own attempts: a row whose attempts are used up goes
// dead, a fresher row of the same contact waits the delay of the most-tried
// row that waits.
db::Settlement settle_transient_failure(const db::ClaimedContact& contact, const std::string& error,
                                        const RetryPolicy& policy);

}  // namespace keapsync::engine
