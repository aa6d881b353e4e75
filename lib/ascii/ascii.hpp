// ASCII text helpers for every layer: HTTP field names, URL hosts, header
// values and Keap's messages are compared and normalised byte by byte, never
// by locale.
#pragma once

#include <string>
#include <string_view>

namespace keapsync::ascii {

// A–Z lowered; every other byte as it is.
std::string to_lower(std::string_view s);

// Equal when lowered.
bool iequals(std::string_view a, std::string_view b);

// Without leading and trailing blanks (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view s);

}  // namespace keapsync::ascii
