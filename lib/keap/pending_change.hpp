// PendingChange: one validated outbox row of a contact (its op and, for upserts, its change).
#pragma once

#include <utility>

#include "keap/contact_change.hpp"
#include "keap/contact_event.hpp"

namespace keapsync::keap {

struct PendingChange {
  // outbox `op`: "upsert" / "delete" / an event: "goal", "opt_out", "opt_in"
  enum class Op { upsert, remove, event };
  Op op = Op::upsert;
  ContactChange change;  // empty unless Op::upsert
  ContactEvent event;    // Op::event only

  static PendingChange upsert(ContactChange c) { return {Op::upsert, std::move(c), {}}; }
  static PendingChange remove() { return {Op::remove, {}, {}}; }
  static PendingChange of(ContactEvent e) { return {Op::event, {}, std::move(e)}; }
  bool operator==(const PendingChange&) const = default;
};

}  // namespace keapsync::keap
