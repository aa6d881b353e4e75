// The e-mail status request of Keap v2 (swagger.yml: updateEmailAddressOptStatus).
#pragma once

#include "keap/email_status_event.hpp"
#include "keap/keap_request.hpp"

namespace keapsync::keap {

// PATCH /rest/v2/emailAddresses/{email}/status {"opted_in": bool, "reason": "..."} (200,
// RestEmailAddressStatus); the address percent-encoded in the path.
KeapRequest email_status_request(const EmailStatusEvent& event);

}  // namespace keapsync::keap
