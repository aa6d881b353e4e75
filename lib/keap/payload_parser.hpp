// parse_payload: validates one outbox payload (DESIGN.md §2) into a ContactChange, or says why not.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "keap/contact_change.hpp"
#include "keap/payload_error.hpp"
#include "keap/payload_limits.hpp"
#include "keap/pending_change.hpp"

namespace keapsync::keap {

// Either the validated change or every error found (all of them, not just the first).
using ParsedPayload = std::variant<ContactChange, std::vector<PayloadError>>;
using ParsedChange = std::variant<PendingChange, std::vector<PayloadError>>;

// Validates an `upsert` payload. Absent keys stay absent, `null` becomes a clear.
ParsedPayload parse_payload(const boost::json::value& payload);

// Validates one outbox row: `op` must be "upsert" (payload as above), "delete" (payload null
// or {}), "goal" (keap/goal_parser.hpp), "opt_out" or "opt_in" (keap/email_status_parser.hpp).
// Errors about the op carry the path "op".
ParsedChange parse_change(std::string_view op, const boost::json::value& payload);

// Validates one outbox row as stored: `payload_text` is the payload's JSON text (nullopt for SQL
// NULL). Text nested deeper than PayloadLimits::depth is refused before it is parsed; then as
// parse_change. Unreadable JSON is an error with the path "payload".
ParsedChange parse_row(std::string_view op, std::optional<std::string_view> payload_text);

}  // namespace keapsync::keap
