// Keap v2 tag requests (paths and bodies as in swagger.yml: applyTags, removeTags, listTags).
#include "keap/tag_requests.hpp"

#include "http/percent_encode.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace keapsync::keap {
namespace {

bool is_contact_id(std::string_view id) {
  return !id.empty() && id.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

KeapRequest tag_contacts_request(TagAction action, std::int64_t tag_id,
                                 std::span<const std::string> contact_ids) {
  if (tag_id <= 0) throw std::invalid_argument("Keap tag id must be positive");
  if (contact_ids.empty()) throw std::invalid_argument("no Keap contact to tag");
  boost::json::array ids;
  ids.reserve(contact_ids.size());
  for (std::size_t i = 0; i < contact_ids.size(); ++i) {
    const auto& id = contact_ids[i];
    if (!is_contact_id(id)) throw std::invalid_argument("Keap contact id must be decimal digits");
    const auto before = contact_ids.first(i);
    if (std::ranges::find(before, id) == before.end()) ids.emplace_back(id);
  }
  const char* verb = action == TagAction::apply ? "applyTags" : "removeTags";
  return KeapRequest{"POST",
                     "/rest/v2/tags/" + std::to_string(tag_id) + "/contacts:" + verb,
                     boost::json::object{{"contact_ids", std::move(ids)}},
                     {}};
}

KeapRequest find_tag_request(std::string_view name) {
  return KeapRequest{
      "GET", "/rest/v2/tags?filter=name%3D%3D" + http::percent_encode(name), std::nullopt, {}};
}

KeapRequest create_tag_request(std::string_view name) {
  return KeapRequest{"POST", "/rest/v2/tags", boost::json::object{{"name", name}}, {}};
}

}  // namespace keapsync::keap
