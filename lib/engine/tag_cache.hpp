// Keap tag ids by name for one account, filled as names are resolved.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace keapsync::engine {

class TagCache {
 public:
  std::optional<std::int64_t> find(const std::string& name) const {
    const auto it = ids_.find(name);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  void remember(const std::string& name, std::int64_t id) { ids_[name] = id; }

 private:
  std::map<std::string, std::int64_t> ids_;
};

}  // namespace keapsync::engine
