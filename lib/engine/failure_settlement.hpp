// Turns a transient failure of a claimed contact into its Settlement: retry
// after the policy's delay, or dead once the attempts are used up.
#pragma once

#include <string>

#include "db/claimed_contact.hpp"
#include "db/settlement.hpp"
#include "engine/retry_policy.hpp"

namespace keapsync::engine {

// The contact's attempt number is that of its most-tried row plus one.
db::Settlement settle_transient_failure(const db::ClaimedContact& contact, const std::string& error,
                                        const RetryPolicy& policy, db::Timestamp now);

}  // namespace keapsync::engine
