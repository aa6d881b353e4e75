// ISO 3166-1 country codes: Keap v2 wants alpha-3 (`USA`); region codes are ISO 3166-2 (`US-AZ`).
#pragma once

#include <optional>
#include <string_view>

namespace keapsync::keap {

// The alpha-2 code of an assigned alpha-3 code ("USA" -> "US"); nullopt when not assigned.
std::optional<std::string_view> alpha2_of_alpha3(std::string_view alpha3);

// The alpha-3 code of an assigned alpha-2 code ("US" -> "USA"), for "did you mean" hints.
std::optional<std::string_view> alpha3_of_alpha2(std::string_view alpha2);

}  // namespace keapsync::keap
