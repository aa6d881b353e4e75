// Tag requests of Keap v2: put one tag on or take it off many contacts, and
// find or create a tag by name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "keap/keap_request.hpp"

namespace keapsync::keap {

enum class TagAction { apply, remove };

// POST /rest/v2/tags/{tag_id}/contacts:applyTags (200, a result per contact) or
// contacts:removeTags (204), {"contact_ids":["<id>",...]}. The spec wants the ids
// unique: a repeated one is sent once. Throws std::invalid_argument for a tag id
// that is not positive, no contact, or a contact id that is not decimal digits.
KeapRequest tag_contacts_request(TagAction action, std::int64_t tag_id,
                                 std::span<const std::string> contact_ids);

// GET /rest/v2/tags?filter=name%3D%3D<name> (the name percent-encoded): finds a tag by name.
KeapRequest find_tag_request(std::string_view name);

// POST /rest/v2/tags {"name":"<name>"}: creates a tag that tags_add names but Keap lacks.
KeapRequest create_tag_request(std::string_view name);

}  // namespace keapsync::keap
