// GET and PATCH /rest/v2/emailAddresses/{email}/status (operationIds
// getEmailAddressStatus and updateEmailAddressOptStatus) over the statuses the
// ContactStore keeps, and the sandbox's own POST /_sandbox/email_status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/contact_store.hpp"
#include "sandbox/request.hpp"
#include "sandbox/response.hpp"

namespace keapsync::sandbox {

// The {email} of a request target "[/crm]/rest/v2/emailAddresses/{email}/status[?…]",
// percent-decoded as a path segment ('+' is itself); nullopt for any other target.
std::optional<std::string> email_status_address(std::string_view target);

// 200 RestEmailAddressStatus (GET: as it is; PATCH: after an UpdateEmailAddress
// {reason, opted_in}, an opt-in moving only the statuses Keap lets it move);
// 400 for an address that is not one, or a body that is not an UpdateEmailAddress,
// the message naming the field (415 not JSON); 404 for an address no contact
// holds, or a target of another shape; 405 for other methods.
Response email_status(const Request& req, ContactStore& contacts,
                      std::chrono::system_clock::time_point now);

// POST /_sandbox/email_status {"email","status"[,"reason"]}: sets any status of
// the spec's enum (what a bounce or an unsubscribe link would do at Keap).
Response sandbox_set_email_status(const Request& req, ContactStore& contacts,
                                  std::chrono::system_clock::time_point now);

}  // namespace keapsync::sandbox
