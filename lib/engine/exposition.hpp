// Text exposition format 0.0.4 helpers: escaping, number and label formatting.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keapsync::engine::exposition {

// The Content-Type of a /metrics answer.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value: backslash, double quote and line feed escaped (\\, \", \n).
std::string escape_label_value(std::string_view value);
// A HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view help);
// A sample value: whole numbers in plain digits, others in the shortest text that reads back
// to the same double; +Inf, -Inf, NaN.
std::string format_value(double value);
// Appends `{a="x",b="y"}` (nothing when both lists are empty); `names` and `values` pair up.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values,
                   const std::pair<std::string_view, std::string_view>* extra = nullptr);
// Whether `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).
bool is_metric_name(std::string_view name);
// Whether `name` is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__").
bool is_label_name(std::string_view name);

}  // namespace keapsync::engine::exposition
