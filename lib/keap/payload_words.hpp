// How payload errors name what they found: a value's kind, a quoted string cut
// short, a key cut short, and the key the shop probably meant.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace keapsync::keap {

// "null", "a boolean", "a number", "a string", "an array", "an object".
std::string kind_name(const boost::json::value& v);

// A string as JSON text for messages, cut after 60 characters so that a huge value stays short.
std::string quoted(std::string_view s);

// Length in Unicode code points (Boost.JSON has already checked the UTF-8).
std::size_t char_count(std::string_view s);

// A key as error paths name it: a key longer than PayloadLimits::shown_key characters is cut
// there (on a character boundary) and its length said, so a hostile key cannot flood last_error.
std::string shown_key(std::string_view key);

// "(did you mean "email"?)" for a close typo of one of `keys`, else "(expected one of: ...)".
std::string key_hint(std::string_view key, std::span<const std::string_view> keys);

}  // namespace keapsync::keap
