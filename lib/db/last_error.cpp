// The cap on last_error.
#include "db/last_error.hpp"

#include "ascii/utf8.hpp"

namespace keapsync::db {

std::string capped_error(std::string_view raw) {
  // A NUL cannot travel in a text[] literal or a libpq parameter: cut there, as libpq would.
  const std::string_view text = raw.substr(0, raw.find('\0'));
  if (text.size() <= kMaxLastErrorBytes) return std::string(text);
  const std::string tail = "... (" + std::to_string(text.size()) + " bytes in all)";
  const std::size_t end = ascii::utf8_cut(text, kMaxLastErrorBytes - tail.size());
  return std::string(text.substr(0, end)) + tail;
}

}  // namespace keapsync::db
