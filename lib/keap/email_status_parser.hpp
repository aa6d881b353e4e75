// parse_email_status: validates the payload of an outbox row with op "opt_out" or "opt_in"
// (docs/payload.md, "E-mail opt-out and opt-in").
#pragma once

#include <boost/json/value.hpp>

#include <variant>
#include <vector>

#include "keap/email_status_event.hpp"
#include "keap/payload_error.hpp"

namespace keapsync::keap {

using ParsedEmailStatus = std::variant<EmailStatusEvent, std::vector<PayloadError>>;

// {"email": "ann@example.com", "reason": "Unsubscribed in the shop"}.
ParsedEmailStatus parse_email_status(const boost::json::value& payload, bool opted_in);

}  // namespace keapsync::keap
