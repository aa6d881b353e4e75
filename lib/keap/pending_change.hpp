// PendingChange: one validated outbox row of a contact (its op and, for upserts, its change).
#pragma once

#include <utility>

#include "keap/contact_change.hpp"

namespace keapsync::keap {

struct PendingChange {
  enum class Op { upsert, remove };  // outbox `op`: "upsert" / "delete"
  Op op = Op::upsert;
  ContactChange change;  // empty for Op::remove

  static PendingChange upsert(ContactChange c) { return {Op::upsert, std::move(c)}; }
  static PendingChange remove() { return {Op::remove, {}}; }
  bool operator==(const PendingChange&) const = default;
};

}  // namespace keapsync::keap
