// The cap on an outbox row's last_error: whatever failed (a payload with thousands of errors, a
// long Keap message), the stored and logged reason stays short enough to read and to store.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keapsync::db {

inline constexpr std::size_t kMaxLastErrorBytes = 1024;

// `text` itself when it fits kMaxLastErrorBytes; else cut on a UTF-8 character boundary, with
// "... (N bytes in all)" appended, within kMaxLastErrorBytes in all.
std::string capped_error(std::string_view text);

}  // namespace keapsync::db
