// The response headers the keap policies read: a small case-insensitive list, free of Beast so
// that policy code and its tests stay light. The HTTP layer copies each field into it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keapsync::keap {

class ResponseHeaders {
 public:
  ResponseHeaders() = default;
  ResponseHeaders(std::initializer_list<std::pair<std::string, std::string>> fields);

  void add(std::string_view name, std::string_view value);

  // The first value of a field (names compare case-insensitively), trimmed of blanks.
  std::optional<std::string_view> get(std::string_view name) const;

  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace keapsync::keap
