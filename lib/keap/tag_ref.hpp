// TagRef: a tag named in tags_add / tags_remove, by Keap tag id or by tag name.
#pragma once

#include <cstdint>
#include <string>

namespace keapsync::keap {

struct TagRef {
  std::int64_t id = 0;  // > 0 when the shop gave an id
  std::string name;     // non-empty when the shop gave a name (resolved to an id by the engine)

  static TagRef by_id(std::int64_t id) { return TagRef{id, {}}; }
  static TagRef by_name(std::string name) { return TagRef{0, std::move(name)}; }
  bool is_id() const { return id > 0; }
  // How the payload spelled it: 123 or "VIP" (quoted), for messages and logs.
  std::string display() const { return is_id() ? std::to_string(id) : "\"" + name + "\""; }

  bool operator==(const TagRef&) const = default;
};

}  // namespace keapsync::keap
