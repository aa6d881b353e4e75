// A row takes part in the steps its change still contributes to the plan: rows
// before the last delete are part of that delete (done once it is), and a tag
// a later row reverted is no step of this row. Only a prefix of the rows, in
// outbox order, can be done: a newer row's fields that reached Keap are sent
// again with the older row that failed, or the older one would overwrite them.
#include "keap/plan_progress.hpp"

#include <algorithm>

namespace keapsync::keap {
namespace {

bool has(const std::vector<TagRef>& list, const TagRef& tag) {
  return std::find(list.begin(), list.end(), tag) != list.end();
}

std::vector<int> steps_of(const PendingChange& row, bool after_last_delete, bool is_last_delete,
                          const ContactPlan& plan, const std::vector<TagStep>& tags,
                          std::size_t& events_seen) {
  std::vector<int> steps;
  if (!after_last_delete || is_last_delete) {
    steps.push_back(PlanStep::remove);  // superseded by the delete, or the delete itself
    return steps;
  }
  if (row.op == PendingChange::Op::event) {
    steps.push_back(PlanStep::event(plan, events_seen++));
    return steps;
  }
  if (row.op == PendingChange::Op::remove || !plan.upsert) return steps;
  if (row.change.has_contact_fields()) steps.push_back(PlanStep::fields);
  for (std::size_t k = 0; k < tags.size(); ++k) {
    const auto& [remove, i] = tags[k];
    const bool mine = remove ? has(row.change.tags_remove, plan.upsert->tags_remove[i])
                             : has(row.change.tags_add, plan.upsert->tags_add[i]);
    if (mine) steps.push_back(PlanStep::first_tag + static_cast<int>(k));
  }
  return steps;
}

int tag_position(const ContactPlan& plan, TagStep step) {
  const auto order = tag_order(plan);
  const auto at = std::find(order.begin(), order.end(), step);
  return PlanStep::first_tag + static_cast<int>(at - order.begin());
}

}  // namespace

std::vector<TagStep> tag_order(const ContactPlan& plan) {
  std::vector<TagStep> order;
  if (!plan.upsert) return order;
  const auto& adds = plan.upsert->tags_add;
  const auto& removes = plan.upsert->tags_remove;
  for (std::size_t i = 0; i < removes.size(); ++i)
    if (has(adds, removes[i])) order.push_back({true, i});
  for (std::size_t i = 0; i < adds.size(); ++i)
    order.push_back({false, i});
  for (std::size_t i = 0; i < removes.size(); ++i)
    if (!has(adds, removes[i])) order.push_back({true, i});
  return order;
}

int PlanStep::tag_remove(const ContactPlan& plan, std::size_t index) {
  return tag_position(plan, {true, index});
}

int PlanStep::tag_add(const ContactPlan& plan, std::size_t index) {
  return tag_position(plan, {false, index});
}

int PlanStep::event(const ContactPlan& plan, std::size_t index) {
  const std::size_t tags =
      plan.upsert ? plan.upsert->tags_add.size() + plan.upsert->tags_remove.size() : 0;
  return first_tag + static_cast<int>(tags + index);
}

std::vector<RowStanding> row_standings(std::span<const PendingChange> rows, const ContactPlan& plan,
                                       int failed_step) {
  std::ptrdiff_t last_delete = -1;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].op == PendingChange::Op::remove) last_delete = static_cast<std::ptrdiff_t>(i);
  std::vector<RowStanding> out;
  out.reserve(rows.size());
  bool prefix = true;           // every row so far is done
  std::size_t events_seen = 0;  // event rows after the last delete so far
  const auto tags = tag_order(plan);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto at = static_cast<std::ptrdiff_t>(i);
    const auto steps =
        steps_of(rows[i], at > last_delete, at == last_delete, plan, tags, events_seen);
    if (std::find(steps.begin(), steps.end(), failed_step) != steps.end()) {
      out.push_back(RowStanding::failed);
    } else if (prefix &&
               std::all_of(steps.begin(), steps.end(), [&](int s) { return s < failed_step; })) {
      out.push_back(RowStanding::done);
    } else {
      out.push_back(RowStanding::waiting);
    }
    prefix = prefix && out.back() == RowStanding::done;
  }
  return out;
}

}  // namespace keapsync::keap
