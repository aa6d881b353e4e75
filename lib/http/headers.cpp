// Headers: case-insensitive lookups over a small vector (requests carry few fields).
#include "http/headers.hpp"

#include <algorithm>

#include "ascii/ascii.hpp"

namespace keapsync::http {

Headers::Headers(std::initializer_list<Field> fields) : fields_(fields) {}

bool Headers::name_equals(std::string_view a, std::string_view b) {
  return ascii::iequals(a, b);
}

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (name_equals(n, name)) return v;
  }
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string value) {
  erase(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return name_equals(f.first, name); });
}

}  // namespace keapsync::http
