// In-memory v2 tags.
#include "sandbox/tag_store.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "db/timestamp.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;

std::uint64_t TagStore::create(const std::string& name, const std::string& description,
                               const std::string& category_id, TimePoint now) {
  auto id = next_id_++;
  tags_[id] = Tag{name, description, category_id, now};
  return id;
}

std::optional<std::uint64_t> TagStore::find_by_name(const std::string& name) const {
  for (const auto& [id, t] : tags_)
    if (t.name == name) return id;
  return std::nullopt;
}

std::optional<json::object> TagStore::render(std::uint64_t id) const {
  auto it = tags_.find(id);
  if (it == tags_.end()) return std::nullopt;
  const Tag& t = it->second;
  json::object o{{"id", std::to_string(id)},
                 {"name", t.name},
                 {"create_time", db::iso_time(t.created)},
                 {"update_time", db::iso_time(t.created)}};
  if (!t.description.empty()) o["description"] = t.description;
  if (!t.category_id.empty()) o["category"] = json::object{{"id", t.category_id}};
  return o;
}

std::vector<std::uint64_t> TagStore::ids() const {
  std::vector<std::uint64_t> out;
  for (const auto& kv : tags_)
    out.push_back(kv.first);
  return out;
}

json::value TagStore::snapshot() const {
  json::array tags;
  for (const auto& [id, t] : tags_) {
    tags.push_back(json::object{
        {"id", id},
        {"name", t.name},
        {"description", t.description},
        {"category_id", t.category_id},
        {"created_ms",
         std::chrono::duration_cast<std::chrono::milliseconds>(t.created.time_since_epoch())
             .count()}});
  }
  return json::object{{"next_id", next_id_}, {"tags", std::move(tags)}};
}

void TagStore::restore(const json::value& snapshot) {
  std::map<std::uint64_t, Tag> tags;
  const auto& root = snapshot.as_object();
  for (const auto& item : root.at("tags").as_array()) {
    const auto& o = item.as_object();
    tags[o.at("id").to_number<std::uint64_t>()] =
        Tag{std::string(o.at("name").as_string()), std::string(o.at("description").as_string()),
            std::string(o.at("category_id").as_string()),
            TimePoint{std::chrono::milliseconds{o.at("created_ms").to_number<std::int64_t>()}}};
  }
  tags_ = std::move(tags);
  next_id_ = std::max(root.at("next_id").to_number<std::uint64_t>(),
                      tags_.empty() ? 100 : tags_.rbegin()->first + 1);
}

}  // namespace keapsync::sandbox
