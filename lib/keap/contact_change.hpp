// ContactChange: the validated form of one outbox payload (DESIGN.md §2), or of several coalesced.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "keap/address_change.hpp"
#include "keap/field_change.hpp"
#include "keap/tag_ref.hpp"

namespace keapsync::keap {

struct ContactChange {
  FieldChange<std::string> email, email2, email3;  // EMAIL1..EMAIL3
  FieldChange<std::string> given_name, middle_name, family_name, job_title, website;
  FieldChange<std::string> birth_date;                   // "YYYY-MM-DD", a real calendar date
  FieldChange<std::string> phone, phone2;                // PHONE1, PHONE2
  FieldChange<AddressChange> address, shipping_address;  // BILLING, SHIPPING
  // Opt-in reason for EMAIL1; never null (an opt_out row withdraws an opt-in).
  std::optional<std::string> opt_in_reason;
  // Keap custom field id (decimal digits) -> content (string, number or boolean) or null.
  std::map<std::string, FieldChange<boost::json::value>> custom_fields;
  // Net tag changes, in first-mention order; a tag is never in both lists.
  std::vector<TagRef> tags_add, tags_remove;
  // Raw Keap v2 CreateUpdateContactRequest fields, merged into the body last (they win).
  boost::json::object keap;

  // True when the change touches the contact record itself (not only its tags).
  bool has_contact_fields() const {
    return email.present() || email2.present() || email3.present() || given_name.present() ||
           middle_name.present() || family_name.present() || job_title.present() ||
           website.present() || birth_date.present() || phone.present() || phone2.present() ||
           address.present() || shipping_address.present() || opt_in_reason.has_value() ||
           !custom_fields.empty() || !keap.empty();
  }

  bool operator==(const ContactChange&) const = default;
};

}  // namespace keapsync::keap
