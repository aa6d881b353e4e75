// JSON string escaping for log lines (no allocation beyond the output).
#pragma once

#include <string>
#include <string_view>

namespace keapsync::log {

// Appends `text` to `out` as a quoted JSON string; control characters (C0, DEL and the C1
// controls U+0080..U+009F) become \u escapes, so no log line carries a terminal escape.
void append_json_string(std::string& out, std::string_view text);

// Whether text[i] starts a UTF-8 encoded C1 control (U+0080..U+009F).
bool is_c1_control(std::string_view text, std::size_t i);

}  // namespace keapsync::log
