// CreateUpdateContactRequest's properties, copied from swagger.yml (Keap v2 SDK spec).
#include "keap/keap_contact_fields.hpp"

#include <array>
#include <utility>

namespace keapsync::keap {
namespace {

using S = KeapFieldShape;
constexpr std::array<std::pair<std::string_view, KeapFieldShape>, 30> kFields{{
    {"addresses", S::array},         {"company", S::object},
    {"origin", S::object},           {"prefix", S::string},
    {"suffix", S::string},           {"website", S::string},
    {"anniversary_date", S::string}, {"birth_date", S::string},
    {"contact_type", S::string},     {"custom_fields", S::array},
    {"email_addresses", S::array},   {"family_name", S::string},
    {"fax_numbers", S::array},       {"given_name", S::string},
    {"job_title", S::string},        {"leadsource_id", S::string},
    {"middle_name", S::string},      {"owner_id", S::string},
    {"phone_numbers", S::array},     {"preferred_locale", S::string},
    {"preferred_name", S::string},   {"referral_code", S::string},
    {"social_accounts", S::array},   {"source_type", S::string},
    {"spouse_name", S::string},      {"time_zone", S::string},
    {"utm_parameters", S::object},   {"assistant_name", S::string},
    {"assistant_phone", S::string},  {"billing_information", S::string},
}};

}  // namespace

std::optional<KeapFieldShape> keap_contact_field_shape(std::string_view name) {
  for (const auto& [field, shape] : kFields) {
    if (field == name) return shape;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& keap_contact_field_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& f : kFields)
      out.push_back(f.first);
    return out;
  }();
  return names;
}

}  // namespace keapsync::keap
