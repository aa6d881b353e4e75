// Query values in Keap request targets.
#pragma once

#include <string>
#include <string_view>

namespace keapsync::keap {

// RFC 3986: everything but unreserved characters is percent-encoded (UTF-8 bytes).
std::string percent_encode(std::string_view s);

}  // namespace keapsync::keap
