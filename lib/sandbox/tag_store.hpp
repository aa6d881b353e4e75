// The sandbox's tags, in memory: create (names are unique), find, list, and a
// JSON snapshot for the --state file.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace keapsync::sandbox {

class TagStore {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  std::uint64_t create(const std::string& name, const std::string& description,
                       const std::string& category_id, TimePoint now);
  bool exists(std::uint64_t id) const { return tags_.count(id) != 0; }
  std::optional<std::uint64_t> find_by_name(const std::string& name) const;
  std::optional<boost::json::object> render(std::uint64_t id) const;  // Tag schema
  std::vector<std::uint64_t> ids() const;

  boost::json::value snapshot() const;
  void restore(const boost::json::value& snapshot);

 private:
  struct Tag {
    std::string name, description, category_id;
    TimePoint created;
  };
  std::map<std::uint64_t, Tag> tags_;
  std::uint64_t next_id_ = 100;
};

}  // namespace keapsync::sandbox
