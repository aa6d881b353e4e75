// A create Keap cannot match to a contact it already has: POST ?duplicate_option=Email matches
// by e-mail, and a phone-only contact has none. Cut after Keap made the contact and before
// keapsync recorded its id (a kill, a timeout), such a create would be made twice. So the
// engine notes it before sending it, and a redelivery first looks for the contact the earlier
// attempt may have made.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "keap/keap_request.hpp"

namespace keapsync::keap {

// True when the create (a map_create request) has an e-mail for Keap to match.
bool matched_by_email(const KeapRequest& create);

// GET /rest/v2/contacts?filter=phone_number==N;phone_fields==F;start_update_time==since
// for the create's first phone number (`since`: ISO UTC, e.g. "2026-12-03T06:00:00Z");
// nullopt when the create has no phone (an address-only contact cannot be looked up).
std::optional<KeapRequest> find_created_request(const KeapRequest& create, std::string_view since);

// The contact of a find_created_request answer that the create made: among those with the
// create's given and family name (absent ones must be absent), the newest (highest id).
std::optional<std::string> created_contact_id(const boost::json::value& answer,
                                              const KeapRequest& create);

// The contact id of a Keap answer (`{"id": ...}`): decimal digits only, as every id keapsync
// stores and puts into paths; nullopt for anything else.
std::optional<std::string> contact_id_of(const boost::json::value& contact);

}  // namespace keapsync::keap
