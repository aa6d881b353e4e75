// Case-insensitive header lookup for the keap policies.
#include "keap/response_headers.hpp"

#include <cctype>

namespace keapsync::keap {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

ResponseHeaders::ResponseHeaders(
    std::initializer_list<std::pair<std::string, std::string>> fields) {
  for (const auto& [name, value] : fields)
    add(name, value);
}

void ResponseHeaders::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(std::string(name), std::string(value));
}

std::optional<std::string_view> ResponseHeaders::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return trim(v);
  }
  return std::nullopt;
}

}  // namespace keapsync::keap
