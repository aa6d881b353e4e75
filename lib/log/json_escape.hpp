// JSON string escaping for log lines (no allocation beyond the output).
#pragma once

#include <string>
#include <string_view>

namespace keapsync::log {

// Appends `text` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view text);

}  // namespace keapsync::log
