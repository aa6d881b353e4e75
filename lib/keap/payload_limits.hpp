// PayloadLimits: the length limits a payload is checked against, taken from Keap's v2 spec.
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
};

}  // namespace keapsync::keap
