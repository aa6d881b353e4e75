// PendingChange: one validated outbox row of a contact (its op and, for upserts, its change).
#pragma once

#include <utility>

#include "keap/contact_change.hpp"
#include "keap/goal_event.hpp"

namespace keapsync::keap {

struct PendingChange {
  enum class Op { upsert, remove, goal };  // outbox `op`: "upsert" / "delete" / "goal"
  Op op = Op::upsert;
  ContactChange change;  // empty unless Op::upsert
  GoalEvent goal;        // Op::goal only

  static PendingChange upsert(ContactChange c) { return {Op::upsert, std::move(c), {}}; }
  static PendingChange remove() { return {Op::remove, {}, {}}; }
  static PendingChange achieve(GoalEvent g) { return {Op::goal, {}, std::move(g)}; }
  bool operator==(const PendingChange&) const = default;
};

}  // namespace keapsync::keap
