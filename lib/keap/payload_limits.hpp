// PayloadLimits: the length limits a payload is checked against, taken from Keap's v2 spec, and
// the caps on a row's size that keep one hostile or broken row from costing much memory, time
// or Keap calls.
#pragma once

#include <cstddef>

namespace keapsync::keap {

// Length limits, in characters (Unicode code points), from Keap's v2 spec (swagger.yml).
struct PayloadLimits {
  static constexpr std::size_t email1 = 75, email23 = 100;  // EmailAddressRequest.email
  static constexpr std::size_t given_name = 40, family_name = 40, middle_name = 100;
  static constexpr std::size_t job_title = 255, website = 100;
  static constexpr std::size_t phone = 40;  // PHONE1..PHONE3
  static constexpr std::size_t billing_line = 75, shipping_line = 100;
  static constexpr std::size_t billing_locality = 50, shipping_locality = 100;
  static constexpr std::size_t billing_postal = 15, shipping_postal = 20;
  static constexpr std::size_t custom_text = 65535;
  static constexpr std::size_t tag_name = 255;  // CreateUpdateTagRequest.name

  // Caps of keapsync's own (Keap's spec sets none); a row above one goes dead at once.
  // Bytes of the payload's JSON text as PostgreSQL renders the jsonb (octet_length of
  // payload::text), checked in SQL so a larger payload is never fetched. Every field Keap takes
  // at its longest is about 75 KiB (one 64 KiB text custom field and the rest): 256 KiB leaves
  // room for several long custom fields and keeps a full claim (50 contacts x 100 rows) bounded.
  static constexpr std::size_t payload_bytes = 256 * 1024;
  // Tags in tags_add, and in tags_remove. Each tag is its own Keap call (applyTags/removeTags,
  // plus a lookup or create for a name): 100 is already 100-300 calls, over a minute of an API
  // key's 240 per minute, for one row; real rows name a handful.
  static constexpr std::size_t tags_per_list = 100;
  // Keys in custom_fields: they all go into one PATCH; real rows set a few.
  static constexpr std::size_t custom_fields = 100;
  // Levels of objects and arrays, the payload itself being level 1. The deepest valid shape is
  // payload > keap > an array field > its objects > a value (5); jsonb takes thousands.
  static constexpr std::size_t depth = 8;
  // Characters of a key that an error message repeats; a longer key is cut and its length said.
  static constexpr std::size_t shown_key = 64;
};

}  // namespace keapsync::keap
