// The cap on last_error.
#include "db/last_error.hpp"

namespace keapsync::db {

std::string capped_error(std::string_view text) {
  if (text.size() <= kMaxLastErrorBytes) return std::string(text);
  const std::string tail = "... (" + std::to_string(text.size()) + " bytes in all)";
  std::size_t end = kMaxLastErrorBytes - tail.size();
  // Back to the first byte of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end)) + tail;
}

}  // namespace keapsync::db
