// Query and form values (RFC 3986): Keap request targets, OAuth forms, the
// redirect `keapsync auth` catches or is given, the sandbox's forms. The one
// percent codec of the code base.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keapsync::http {

// RFC 3986: everything but unreserved characters is percent-encoded (UTF-8 bytes).
std::string percent_encode(std::string_view s);

// %XX decoded (either case of hex digit) and '+' as a space, as in query strings and forms;
// nullopt when an escape is malformed (see bad_percent_escape).
std::optional<std::string> percent_decode(std::string_view s);

// Where the first malformed escape of `s` starts (the offset of its '%'): a '%' not followed by
// two hex digits, such as "%zz" or a truncated "%4" at the end. nullopt when every escape is good.
std::optional<std::size_t> bad_percent_escape(std::string_view s);

}  // namespace keapsync::http
