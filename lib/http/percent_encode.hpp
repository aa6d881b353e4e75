// Query and form values (RFC 3986): Keap request targets, OAuth forms.
#pragma once

#include <string>
#include <string_view>

namespace keapsync::http {

// RFC 3986: everything but unreserved characters is percent-encoded (UTF-8 bytes).
std::string percent_encode(std::string_view s);

}  // namespace keapsync::http
