// Headers: an ordered list of HTTP header fields with case-insensitive names.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keapsync::http {

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  Headers() = default;
  Headers(std::initializer_list<Field> fields);

  // The first value of `name` (compared case-insensitively), if any.
  std::optional<std::string> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Replaces every field called `name` by one field.
  void set(std::string_view name, std::string value);
  // Appends a field (repeated names are kept, e.g. Set-Cookie).
  void add(std::string name, std::string value);
  void erase(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  std::size_t size() const { return fields_.size(); }

  static bool name_equals(std::string_view a, std::string_view b);

 private:
  std::vector<Field> fields_;
};

}  // namespace keapsync::http
