// Tag requests of Keap v2: apply/remove one tag on a contact, and find or create a tag by name.
#pragma once

#include <cstdint>
#include <string_view>

#include "keap/keap_request.hpp"

namespace keapsync::keap {

// POST /rest/v2/tags/{tag_id}/contacts:applyTags {"contact_ids":["<id>"]} (200).
KeapRequest apply_tag_request(std::int64_t tag_id, std::string_view contact_id);

// POST /rest/v2/tags/{tag_id}/contacts:removeTags {"contact_ids":["<id>"]} (204).
KeapRequest remove_tag_request(std::int64_t tag_id, std::string_view contact_id);

// GET /rest/v2/tags?filter=name%3D%3D<name> (the name percent-encoded): finds a tag by name.
KeapRequest find_tag_request(std::string_view name);

// POST /rest/v2/tags {"name":"<name>"}: creates a tag that tags_add names but Keap lacks.
KeapRequest create_tag_request(std::string_view name);

}  // namespace keapsync::keap
