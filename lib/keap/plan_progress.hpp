// Where a plan stopped, and what that means for each of the rows it was made of.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "keap/contact_plan.hpp"
#include "keap/pending_change.hpp"

namespace keapsync::keap {

// One tag call of a plan: upsert->tags_remove[index] or tags_add[index].
struct TagStep {
  bool remove = false;
  std::size_t index = 0;
  bool operator==(const TagStep&) const = default;
};

// The order the engine runs a plan's tag calls in: first the removals of tags
// that are added again (removed, then put back: how a shop fires a tag's
// campaign again), then the additions, then the other removals (a tag added
// and then removed ends off even when one row names it by id, the other by name).
std::vector<TagStep> tag_order(const ContactPlan& plan);

// The steps of a plan, in the order the engine runs them (contact_plan.hpp):
// the delete, the contact fields, one per tag call in tag_order(), then one per event.
struct PlanStep {
  static constexpr int remove = 0;
  static constexpr int fields = 1;
  static constexpr int first_tag = 2;
  static int tag_remove(const ContactPlan& plan, std::size_t index);
  static int tag_add(const ContactPlan& plan, std::size_t index);
  static int event(const ContactPlan& plan, std::size_t index);
};

// done: everything the row and every older row ask is in Keap (or superseded);
// failed: the row is part of the step that failed; waiting: the rest.
enum class RowStanding { done, failed, waiting };

// One standing per row of `rows` (outbox order, as coalesced into `plan`) once
// the plan stopped in `failed_step`, the steps before it having succeeded.
std::vector<RowStanding> row_standings(std::span<const PendingChange> rows, const ContactPlan& plan,
                                       int failed_step);

}  // namespace keapsync::keap
