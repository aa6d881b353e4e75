// ContactPlan: the net effect of all pending outbox rows of one contact, for the engine to run.
#pragma once

#include <cstddef>
#include <optional>

#include <vector>

#include "keap/contact_change.hpp"
#include "keap/contact_event.hpp"

namespace keapsync::keap {

// How the engine executes a plan (the request builders are in contact_requests.hpp and
// tag_requests.hpp; `id` is the Keap contact id keapsync remembers for the contact_ref):
//   1. delete_contact: if id is known, DELETE it (404 counts as done) and forget id.
//   2. upsert with contact fields:
//        id known  -> GET the fields of fields_to_fetch() (if any), then map_update() -> PATCH;
//        otherwise -> map_create() -> POST ?duplicate_option=Email; remember the returned id
//        (a create without an e-mail first looks for the contact an earlier attempt made,
//        keap/created_contact.hpp; a 404 on the known id falls back to this branch).
//   3. tags: resolve names to ids (find_tag_request / create_tag_request), then a
//      removeTags per tags_remove and an applyTags per tags_add in the order of
//      keap/plan_progress.hpp's tag_order() (a tag removed and added again is put
//      back), each call shared with other contacts that need the same tag
//      (engine/tag_batcher.hpp).
//   4. events: one call per event row, in row order (engine/event_delivery.cpp).
// An event row of the plan: where it stands among the rows given to coalesce().
struct PlannedEvent {
  std::size_t row = 0;
  ContactEvent event;
  bool operator==(const PlannedEvent&) const = default;
};

struct ContactPlan {
  // A delete is among the rows: the existing Keap contact goes away first.
  bool delete_contact = false;
  // The coalesced upserts that came after the last delete (none: nothing to write).
  std::optional<ContactChange> upsert;
  // The event rows after the last delete (goals, e-mail status changes), in
  // row order: sent after the contact is written, one call each (never merged).
  std::vector<PlannedEvent> events;

  // A delete followed by upserts: the upsert must create a new contact, never PATCH the old id.
  bool create_fresh() const { return delete_contact && upsert.has_value(); }
  bool operator==(const ContactPlan&) const = default;
};

}  // namespace keapsync::keap
