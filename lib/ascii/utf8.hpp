// UTF-8 at the byte level, for every layer that cuts or escapes text it did not write
// (Keap's error bodies, last_error, what the CLI prints): no locale, no decoding tables.
#pragma once

#include <cstddef>
#include <string_view>

namespace keapsync::ascii {

// Length of the well-formed UTF-8 sequence that starts at s[i] (1 for ASCII), or 0 when the
// bytes there are not one (a stray continuation byte, a truncated or over-long lead).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The largest end <= max_bytes that does not split a character of `s` (max_bytes < s.size()).
std::size_t utf8_cut(std::string_view s, std::size_t max_bytes);

}  // namespace keapsync::ascii
