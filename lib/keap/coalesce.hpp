// Coalescing: several pending outbox rows of one contact become one ContactPlan (later wins).
#pragma once

#include <span>

#include "keap/contact_change.hpp"
#include "keap/contact_plan.hpp"
#include "keap/pending_change.hpp"

namespace keapsync::keap {

// Folds `later` into `acc` as if both had been applied in order: scalar fields and custom
// fields per id take the later present value (null included); address fields merge per field
// (a null address clears the slot; an address set after a null rebuilds the slot); keap raw
// fields merge per top-level key; tags are combined in order: add X then remove X is a remove,
// remove X then add X stays both (removals run first, so the tag is put back and its campaign
// fires again), X added twice is added once; a later change of email (another address or null)
// voids an earlier opt_in_reason.
void merge_into(ContactChange& acc, const ContactChange& later);

// The net effect of the rows, given in outbox order. Rows before the last delete are dropped
// (the contact is deleted anyway); upserts after it are merged and create a fresh contact;
// events (goals, e-mail status changes) after it are kept one by one, in order.
ContactPlan coalesce(std::span<const PendingChange> changes);

}  // namespace keapsync::keap
