// Escaping of control characters for terminal output.
#include "terminal_text.hpp"

#include <cstdio>

#include "ascii/utf8.hpp"
#include "log/json_escape.hpp"

namespace keapsync::cli {
namespace {

void append_escape(std::string& out, const char* format, unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += text[i++];
    } else if (c == '\n') {
      out += "\\n", ++i;
    } else if (c == '\r') {
      out += "\\r", ++i;
    } else if (c == '\t') {
      out += "\\t", ++i;
    } else if (c < 0x80) {
      append_escape(out, "\\x%02x", c), ++i;
    } else if (const auto n = ascii::utf8_sequence_length(text, i); n == 0) {
      append_escape(out, "\\x%02x", c), ++i;
    } else if (log::is_c1_control(text, i)) {
      append_escape(out, "\\u%04x", static_cast<unsigned char>(text[i + 1])), i += 2;
    } else {
      out.append(text.substr(i, n)), i += n;
    }
  }
  return out;
}

}  // namespace keapsync::cli
