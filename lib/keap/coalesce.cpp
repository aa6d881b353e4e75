// Coalescing rules of docs/payload.md ("Several changes of one contact").
#include "keap/coalesce.hpp"

#include <algorithm>

namespace keapsync::keap {
namespace {

void merge_address(FieldChange<AddressChange>& acc, const FieldChange<AddressChange>& later) {
  if (later.absent()) return;
  if (later.cleared() || acc.absent() || later.value().replace_all) {
    acc = later;
    return;
  }
  if (acc.cleared()) {  // the slot was emptied: the later fields are all that is left
    acc = later;
    acc.value().replace_all = true;
    return;
  }
  AddressChange& a = acc.value();
  const AddressChange& b = later.value();
  a.line1.update(b.line1);
  a.line2.update(b.line2);
  a.locality.update(b.locality);
  a.region_code.update(b.region_code);
  a.postal_code.update(b.postal_code);
  a.country_code.update(b.country_code);
}

void erase_tag(std::vector<TagRef>& list, const TagRef& tag) {
  list.erase(std::remove(list.begin(), list.end(), tag), list.end());
}

void add_tag(std::vector<TagRef>& list, const TagRef& tag) {
  if (std::find(list.begin(), list.end(), tag) == list.end()) list.push_back(tag);
}

}  // namespace

void merge_into(ContactChange& acc, const ContactChange& later) {
  // An opt-in belongs to the EMAIL1 it was sent for: a different (or no) EMAIL1 voids it.
  if (later.email.present() && later.email != acc.email) acc.opt_in_reason.reset();
  for (auto member :
       {&ContactChange::email, &ContactChange::email2, &ContactChange::email3,
        &ContactChange::given_name, &ContactChange::middle_name, &ContactChange::family_name,
        &ContactChange::job_title, &ContactChange::website, &ContactChange::birth_date,
        &ContactChange::phone, &ContactChange::phone2}) {
    (acc.*member).update(later.*member);
  }
  merge_address(acc.address, later.address);
  merge_address(acc.shipping_address, later.shipping_address);
  if (later.opt_in_reason) acc.opt_in_reason = later.opt_in_reason;
  for (const auto& [id, value] : later.custom_fields)
    acc.custom_fields[id].update(value);
  // A removal stays when the tag is added again: removed and put back is how
  // a shop fires a tag's campaign again (removals run first, plan_progress.hpp).
  for (const TagRef& tag : later.tags_add)
    add_tag(acc.tags_add, tag);
  for (const TagRef& tag : later.tags_remove) {
    erase_tag(acc.tags_add, tag);
    add_tag(acc.tags_remove, tag);
  }
  for (const auto& [key, value] : later.keap)
    acc.keap[key] = value;
}

ContactPlan coalesce(std::span<const PendingChange> changes) {
  ContactPlan plan;
  for (std::size_t row = 0; row < changes.size(); ++row) {
    const PendingChange& change = changes[row];
    if (change.op == PendingChange::Op::remove) {
      plan.delete_contact = true;
      plan.upsert.reset();
      plan.events.clear();  // the contact they were for is gone
    } else if (change.op == PendingChange::Op::event) {
      plan.events.push_back({row, change.event});
    } else if (!plan.upsert) {
      plan.upsert = change.change;
    } else {
      merge_into(*plan.upsert, change.change);
    }
  }
  return plan;
}

}  // namespace keapsync::keap
