// ISO 3166 lookups for address validation: alpha-3 country codes (what Keap
// v2 wants in country_code) and ISO 3166-2 subdivision codes (region_code).
#pragma once

#include <optional>
#include <string_view>

namespace keapsync::sandbox {

// The alpha-2 code of an ISO 3166-1 alpha-3 code ("USA" → "US").
std::optional<std::string_view> alpha2_of(std::string_view alpha3);

// Whether `region_code` (e.g. "US-AZ") is a subdivision of `alpha3`: full
// lists for USA and CAN, the "XX-YYY" shape with the right prefix elsewhere.
bool valid_region(std::string_view alpha3, std::string_view region_code);

}  // namespace keapsync::sandbox
