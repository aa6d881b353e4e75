// The REST v2 answers every sandbox route shares: Keap's v2 error body, a JSON
// answer, and the JSON-object request body (415 / 400 otherwise).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/request.hpp"
#include "sandbox/response.hpp"

namespace keapsync::sandbox {

// The v2 error schema: {code, message, status, details[]} (docs/keap-api.md §3.4),
// with the HTTP reason phrase as `status`.
Response v2_error(int status, const std::string& message);
Response json_ok(int status, const boost::json::value& v);

// A present, non-null property of a request body; null reads as absent.
const boost::json::value* given(const boost::json::object& body, std::string_view key);

// The body as a JSON object; nullopt with `error` set to the 415 (not
// application/json) or 400 (not a JSON object) answer otherwise.
std::optional<boost::json::object> parse_object(const Request& req, Response& error);

}  // namespace keapsync::sandbox
