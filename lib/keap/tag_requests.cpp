// Keap v2 tag requests (paths and bodies as in swagger.yml: applyTags, removeTags, listTags).
#include "keap/tag_requests.hpp"

#include "http/percent_encode.hpp"

#include <boost/json.hpp>

#include <stdexcept>
#include <string>

namespace keapsync::keap {
namespace {

void require_positive(std::int64_t tag_id) {
  if (tag_id <= 0) throw std::invalid_argument("Keap tag id must be positive");
}

KeapRequest tag_contact_request(std::int64_t tag_id, std::string_view contact_id,
                                std::string_view action) {
  require_positive(tag_id);
  if (contact_id.empty() || contact_id.find_first_not_of("0123456789") != std::string_view::npos) {
    throw std::invalid_argument("Keap contact id must be decimal digits");
  }
  boost::json::object body{{"contact_ids", boost::json::array{boost::json::string(contact_id)}}};
  return KeapRequest{"POST",
                     "/rest/v2/tags/" + std::to_string(tag_id) + "/contacts:" + std::string(action),
                     std::move(body),
                     {}};
}

}  // namespace

KeapRequest apply_tag_request(std::int64_t tag_id, std::string_view contact_id) {
  return tag_contact_request(tag_id, contact_id, "applyTags");
}

KeapRequest remove_tag_request(std::int64_t tag_id, std::string_view contact_id) {
  return tag_contact_request(tag_id, contact_id, "removeTags");
}

KeapRequest find_tag_request(std::string_view name) {
  return KeapRequest{
      "GET", "/rest/v2/tags?filter=name%3D%3D" + http::percent_encode(name), std::nullopt, {}};
}

KeapRequest create_tag_request(std::string_view name) {
  return KeapRequest{"POST", "/rest/v2/tags", boost::json::object{{"name", name}}, {}};
}

}  // namespace keapsync::keap
