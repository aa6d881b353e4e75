// The top-level fields of Keap v2's CreateUpdateContactRequest (swagger.yml), for `payload.keap`.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace keapsync::keap {

// The JSON shape the spec gives a field: a string, an array of items, or an object.
enum class KeapFieldShape { string, array, object };

// The shape of a CreateUpdateContactRequest property; nullopt when the schema has no such
// property. Every one of them is also a value of PATCH's `update_mask` enum.
std::optional<KeapFieldShape> keap_contact_field_shape(std::string_view name);

// All CreateUpdateContactRequest property names, in the spec's order.
const std::vector<std::string_view>& keap_contact_field_names();

}  // namespace keapsync::keap
