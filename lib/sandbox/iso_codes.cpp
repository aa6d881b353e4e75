// ISO 3166-2 region checks (the alpha-3 table is keap/country_codes).
#include "sandbox/iso_codes.hpp"

#include "keap/country_codes.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace keapsync::sandbox {
namespace {

// ISO 3166-2:US (states, DC, outlying areas) and ISO 3166-2:CA.
constexpr std::string_view kUsRegions[] = {
    "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI", "IA",
    "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MP", "MS", "MT",
    "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC",
    "SD", "TN", "TX", "UM", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY"};
constexpr std::string_view kCaRegions[] = {"AB", "BC", "MB", "NB", "NL", "NS", "NT",
                                           "NU", "ON", "PE", "QC", "SK", "YT"};

}  // namespace

std::optional<std::string_view> alpha2_of(std::string_view alpha3) {
  return keap::alpha2_of_alpha3(alpha3);  // one ISO 3166-1 table for the client and the sandbox
}

bool valid_region(std::string_view alpha3, std::string_view region_code) {
  auto alpha2 = alpha2_of(alpha3);
  if (!alpha2) return false;
  if (region_code.size() < 4 || region_code.size() > 6 || region_code.substr(0, 2) != *alpha2 ||
      region_code[2] != '-')
    return false;
  auto sub = region_code.substr(3);
  for (char c : sub)
    if (!std::isupper(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)))
      return false;
  if (alpha3 == "USA")
    return std::find(std::begin(kUsRegions), std::end(kUsRegions), sub) != std::end(kUsRegions);
  if (alpha3 == "CAN")
    return std::find(std::begin(kCaRegions), std::end(kCaRegions), sub) != std::end(kCaRegions);
  return true;
}

}  // namespace keapsync::sandbox
