// Where a plan stopped, and what that means for each of the rows it was made of.
#pragma once

#include <span>
#include <vector>

#include "keap/contact_plan.hpp"
#include "keap/pending_change.hpp"

namespace keapsync::keap {

// The steps of a plan, in the order the engine runs them (contact_plan.hpp):
// the delete, the contact fields, one per tags_remove entry, one per tags_add
// entry (removals first: a tag removed and then added again is taken off and
// put back, which fires its campaign again).
struct PlanStep {
  static constexpr int remove = 0;
  static constexpr int fields = 1;
  static constexpr int first_tag = 2;
  static int tag_remove(const ContactPlan&, std::size_t index) {
    return first_tag + static_cast<int>(index);
  }
  static int tag_add(const ContactPlan& plan, std::size_t index) {
    return first_tag + static_cast<int>(plan.upsert ? plan.upsert->tags_remove.size() : 0) +
           static_cast<int>(index);
  }
};

// done: everything the row and every older row ask is in Keap (or superseded);
// failed: the row is part of the step that failed; waiting: the rest.
enum class RowStanding { done, failed, waiting };

// One standing per row of `rows` (outbox order, as coalesced into `plan`) once
// the plan stopped in `failed_step`, the steps before it having succeeded.
std::vector<RowStanding> row_standings(std::span<const PendingChange> rows, const ContactPlan& plan,
                                       int failed_step);

}  // namespace keapsync::keap
