// Levenshtein distance, for "did you mean" hints on misspelt keys (config and payload).
#pragma once

#include <cstddef>
#include <string_view>

namespace keapsync::ascii {

// Insertions, deletions and substitutions of bytes that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace keapsync::ascii
