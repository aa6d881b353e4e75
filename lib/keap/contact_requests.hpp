// Contact requests of Keap v2: a ContactChange mapped to POST/PATCH bodies, plus GET and DELETE.
//
// Lists: in v2 `email_addresses`, `phone_numbers`, `addresses` and `custom_fields` sent in a
// request REPLACE the contact's whole list ("Any item not listed here will be removed if it
// already exists", CreateUpdateContactRequest in swagger.yml); the spec has no per-entry
// operation. So a PATCH that edits a list is built from the contact's current list, fetched
// with get_contact_request(id, fields_to_fetch(change)): every entry the shop did not touch is
// sent back unchanged (limited to the properties the request schema has), the touched slot is
// replaced, a cleared slot is left out. A list the change does not touch is not sent at all.
// A POST (new contact or unknown id) has no current contact and sends only what the shop gave.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "keap/contact_change.hpp"
#include "keap/keap_request.hpp"
#include "keap/mapping_result.hpp"

namespace keapsync::keap {

// POST /rest/v2/contacts?duplicate_option=Email: creates the contact, or updates the one with
// the same e-mail. Nulls are left out (nothing to clear on a new contact). Errors when the
// body would have no e-mail, phone or address entry (Keap refuses such a contact), when
// opt_in_reason has no email, or when an address has region_code without country_code.
MappingResult map_create(const ContactChange& change);

// The list fields map_update needs from the current contact, in the spec's names
// ("email_addresses", "phone_numbers", "addresses", "custom_fields"); empty: no GET needed.
std::vector<std::string> fields_to_fetch(const ContactChange& change);

// PATCH /rest/v2/contacts/{id}?update_mask=...: only the fields the change touches; a cleared
// scalar is sent as "" (the schema's strings are not nullable). `current` is the contact as
// returned by get_contact_request (it must hold the fields of fields_to_fetch; a missing list
// counts as empty). No request when nothing but tags changes. Throws std::invalid_argument
// when `contact_id` is not a decimal id.
MappingResult map_update(const ContactChange& change, std::string_view contact_id,
                         const boost::json::object& current);

// GET /rest/v2/contacts/{id}?fields=a,b (the spec's `fields` is explode: false, comma-joined).
KeapRequest get_contact_request(std::string_view contact_id,
                                const std::vector<std::string>& fields);

// DELETE /rest/v2/contacts/{id} (204; a 404 means it is gone already).
KeapRequest delete_contact_request(std::string_view contact_id);

}  // namespace keapsync::keap
