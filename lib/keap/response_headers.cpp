// Case-insensitive header lookup for the keap policies.
#include "keap/response_headers.hpp"

#include "ascii/ascii.hpp"

namespace keapsync::keap {
namespace {}  // namespace

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
    if (ascii::iequals(n, name)) return ascii::trim(v);
  }
  return std::nullopt;
}

}  // namespace keapsync::keap
