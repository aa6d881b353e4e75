// v2 contact validation rules (swagger.yml CreateUpdateContactRequest).
#include "sandbox/contact_validator.hpp"

#include <boost/json.hpp>

#include <array>
#include <cctype>
#include <set>
#include <string_view>

#include "sandbox/iso_codes.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

using Error = std::optional<std::string>;

struct StringField {
  std::string_view name;
  std::size_t max;  // 0: no limit
};

constexpr StringField kStrings[] = {
    {"prefix", 0},           {"suffix", 0},           {"website", 100},
    {"contact_type", 0},     {"family_name", 40},     {"given_name", 40},
    {"job_title", 255},      {"leadsource_id", 0},    {"middle_name", 100},
    {"owner_id", 0},         {"preferred_locale", 0}, {"preferred_name", 100},
    {"referral_code", 0},    {"spouse_name", 100},    {"time_zone", 0},
    {"assistant_name", 20},  {"assistant_phone", 15}, {"billing_information", 100},
    {"anniversary_date", 0}, {"birth_date", 0},       {"source_type", 0},
};
constexpr std::string_view kOther[] = {"addresses",     "company",         "origin",
                                       "custom_fields", "email_addresses", "fax_numbers",
                                       "phone_numbers", "social_accounts", "utm_parameters"};
constexpr std::string_view kSourceTypes[] = {"SOURCE_TYPE_UNSPECIFIED",
                                             "API",
                                             "APPOINTMENT",
                                             "FORM_API_HOSTED",
                                             "FORM_API_INTERNAL",
                                             "IMPORT",
                                             "INTERNAL_FORM",
                                             "LANDING_PAGE",
                                             "MANUAL",
                                             "OTHER",
                                             "UNKNOWN",
                                             "WEBFORM"};
constexpr std::string_view kSocialTypes[] = {"FACEBOOK", "LINKED_IN", "TWITTER",  "INSTAGRAM",
                                             "SNAPCHAT", "YOUTUBE",   "PINTEREST"};

template <std::size_t N>
bool one_of(std::string_view v, const std::string_view (&set)[N]) {
  for (auto s : set)
    if (s == v) return true;
  return false;
}

std::string quoted(std::string_view s) {
  return json::serialize(json::string(s));
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Error only_keys(const json::object& o, const std::string& where,
                std::initializer_list<std::string_view> keys) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto k : keys)
      ok = ok || kv.key() == k;
    if (!ok) return where + "." + std::string(kv.key()) + " is not a recognized property";
  }
  return std::nullopt;
}

// The item's string member `key`: error if present and not a string / too long.
Error check_string(const json::object& o, std::string_view key, const std::string& where,
                   std::size_t max, bool required = false) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return where + "." + std::string(key) + " is required";
    return std::nullopt;
  }
  if (!it->value().is_string()) return where + "." + std::string(key) + " must be a string";
  if (max && utf8_length(it->value().get_string()) > max)
    return where + "." + std::string(key) + " must be at most " + std::to_string(max) +
           " characters";
  return std::nullopt;
}

std::string_view str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string_view(it->value().get_string())
                                                  : std::string_view{};
}

// Common array checks: an array of objects with a unique `field` slot from `slots`.
Error check_slots(const json::value& v, const std::string& name,
                  std::initializer_list<std::string_view> slots, bool slot_required = true) {
  if (!v.is_array()) return name + " must be an array";
  std::set<std::string> seen;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = name + "[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return where + " must be an object";
    const auto& o = arr[i].get_object();
    if (!slot_required) continue;
    auto field = str(o, "field");
    if (field.empty()) return where + ".field is required";
    bool ok = false;
    for (auto s : slots)
      ok = ok || s == field;
    if (!ok) return where + ".field " + quoted(field) + " is not a valid value";
    if (!seen.insert(std::string(field)).second)
      return where + ".field " + quoted(field) + " is used twice";
  }
  return std::nullopt;
}

Error check_emails(const json::value& v) {
  if (auto e = check_slots(v, "email_addresses", {"EMAIL1", "EMAIL2", "EMAIL3"})) return e;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = "email_addresses[" + std::to_string(i) + "]";
    const auto& o = arr[i].get_object();
    if (auto e = only_keys(o, where, {"email", "field", "opt_in_reason"})) return e;
    std::size_t max = str(o, "field") == "EMAIL1" ? 75 : 100;
    if (auto e = check_string(o, "email", where, max, true)) return e;
    if (!ContactValidator::valid_email(str(o, "email")))
      return where + ".email " + quoted(str(o, "email")) + " is not a valid email address";
    if (auto e = check_string(o, "opt_in_reason", where, 0)) return e;
  }
  return std::nullopt;
}

Error check_phones(const json::value& v) {
  if (auto e = check_slots(v, "phone_numbers", {"PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5"}))
    return e;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = "phone_numbers[" + std::to_string(i) + "]";
    const auto& o = arr[i].get_object();
    if (auto e = only_keys(o, where, {"number", "extension", "type", "field", "number_e164"}))
      return e;
    auto field = str(o, "field");
    std::size_t max = (field == "PHONE4" || field == "PHONE5") ? 20 : 40;
    if (auto e = check_string(o, "number", where, max, true)) return e;
    for (auto k : {"extension", "type", "number_e164"})
      if (auto e = check_string(o, k, where, 0)) return e;
  }
  return std::nullopt;
}

Error check_faxes(const json::value& v) {
  if (auto e = check_slots(v, "fax_numbers", {"FAX1", "FAX2"})) return e;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = "fax_numbers[" + std::to_string(i) + "]";
    const auto& o = arr[i].get_object();
    if (auto e = only_keys(o, where, {"number", "type", "field"})) return e;
    if (auto e = check_string(o, "number", where, 0, true)) return e;
    if (auto e = check_string(o, "type", where, 0)) return e;
  }
  return std::nullopt;
}

Error check_addresses(const json::value& v) {
  if (auto e = check_slots(v, "addresses", {"BILLING", "SHIPPING", "OTHER"})) return e;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = "addresses[" + std::to_string(i) + "]";
    const auto& o = arr[i].get_object();
    // `country` and `region` are deprecated for writes: refused (stricter).
    if (o.contains("country") || o.contains("region"))
      return where + ": use country_code and region_code; country and region are read-only";
    if (auto e = only_keys(o, where,
                           {"line1", "line2", "locality", "field", "country_code", "postal_code",
                            "region_code", "zip_code", "zip_four"}))
      return e;
    auto field = str(o, "field");
    bool billing = field == "BILLING", shipping = field == "SHIPPING";
    if (auto e = check_string(o, "line1", where, billing ? 75 : 100)) return e;
    if (auto e = check_string(o, "line2", where, billing ? 75 : 100)) return e;
    if (auto e = check_string(o, "locality", where, billing ? 50 : 100)) return e;
    if (auto e = check_string(o, "postal_code", where, shipping ? 20 : 15)) return e;
    if (auto e = check_string(o, "zip_code", where, shipping ? 20 : 15)) return e;
    if (auto e = check_string(o, "zip_four", where, 10)) return e;
    if (auto e = check_string(o, "country_code", where, 0)) return e;
    if (auto e = check_string(o, "region_code", where, 0)) return e;
    auto country = str(o, "country_code");
    auto region = str(o, "region_code");
    if (!country.empty() && !alpha2_of(country))
      return where + ".country_code " + quoted(country) + " is not an ISO 3166-1 alpha-3 code";
    if (!region.empty()) {
      if (country.empty()) return where + ".country_code is required when region_code is given";
      if (!valid_region(country, region))
        return where + ".region_code " + quoted(region) + " is not an ISO 3166-2 code of " +
               std::string(country);
    }
  }
  return std::nullopt;
}

Error check_custom_fields(const json::value& v) {
  if (!v.is_array()) return "custom_fields must be an array";
  std::set<std::string> seen;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = "custom_fields[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return where + " must be an object";
    const auto& o = arr[i].get_object();
    if (auto e = only_keys(o, where, {"id", "content"})) return e;
    if (auto e = check_string(o, "id", where, 0, true)) return e;
    auto id = str(o, "id");
    if (id.empty() || id.find_first_not_of("0123456789") != std::string_view::npos)
      return where + ".id " + quoted(id) + " is not a custom field id";
    if (!seen.insert(std::string(id)).second) return where + ".id " + quoted(id) + " is used twice";
    if (auto e = check_string(o, "content", where, 65535)) {
      if (o.at("content").is_string()) return e;  // other JSON types are allowed
    }
  }
  return std::nullopt;
}

Error check_social(const json::value& v) {
  if (auto e = check_slots(v, "social_accounts", {}, false)) return e;
  const auto& arr = v.get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto where = "social_accounts[" + std::to_string(i) + "]";
    const auto& o = arr[i].get_object();
    if (auto e = only_keys(o, where, {"name", "type"})) return e;
    if (auto e = check_string(o, "name", where, 255)) return e;
    if (auto e = check_string(o, "type", where, 0, true)) return e;
    if (!one_of(str(o, "type"), kSocialTypes))
      return where + ".type " + quoted(str(o, "type")) + " is not a valid value";
  }
  return std::nullopt;
}

bool non_empty_array(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  return it != body.end() && it->value().is_array() && !it->value().get_array().empty();
}

}  // namespace

bool ContactValidator::valid_email(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  auto local = email.substr(0, at), domain = email.substr(at + 1);
  constexpr std::string_view kLocalExtra = "!#$%&'*+/=?^_`{|}~.-";
  for (unsigned char c : local)
    if (!std::isalnum(c) && kLocalExtra.find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return false;
  if (domain.size() < 3 || domain.size() > 253 || domain.find('.') == std::string_view::npos)
    return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    auto label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (unsigned char c : label)
      if (!std::isalnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) {
      if (label.size() < 2) return false;  // a top-level domain has two letters or more
      for (unsigned char c : label)
        if (!std::isalpha(c)) return false;
      break;
    }
    start = dot + 1;
  }
  return true;
}

bool ContactValidator::valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  int y = std::stoi(std::string(d.substr(0, 4))), m = std::stoi(std::string(d.substr(5, 2))),
      day = std::stoi(std::string(d.substr(8, 2)));
  if (m < 1 || m > 12 || day < 1 || y < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::optional<std::string> ContactValidator::validate(const json::object& body, Mode mode) {
  for (const auto& kv : body) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    bool known = false;
    for (const auto& f : kStrings) {
      if (f.name != key) continue;
      known = true;
      if (v.is_null()) break;
      if (!v.is_string()) return std::string(key) + " must be a string";
      std::string_view s = v.get_string();
      if (f.max && utf8_length(s) > f.max)
        return std::string(key) + " must be at most " + std::to_string(f.max) + " characters";
      if ((key == "birth_date" || key == "anniversary_date") && !valid_date(s))
        return std::string(key) + " " + quoted(s) + " is not a date (YYYY-MM-DD)";
      if (key == "source_type" && !one_of(s, kSourceTypes))
        return "source_type " + quoted(s) + " is not a valid value";
    }
    if (known) continue;
    if (!one_of(key, kOther)) return std::string(key) + " is not a recognized property";
    if (v.is_null()) continue;
    Error e;
    if (key == "email_addresses")
      e = check_emails(v);
    else if (key == "phone_numbers")
      e = check_phones(v);
    else if (key == "fax_numbers")
      e = check_faxes(v);
    else if (key == "addresses")
      e = check_addresses(v);
    else if (key == "custom_fields")
      e = check_custom_fields(v);
    else if (key == "social_accounts")
      e = check_social(v);
    else if (!v.is_object())
      e = std::string(key) + " must be an object";
    else if (key == "origin")
      e = only_keys(v.get_object(), "origin", {"ip_address"});
    else if (key == "company")
      e = only_keys(v.get_object(), "company", {"id", "company_name"});
    if (e) return e;
  }
  if (mode == Mode::Create && !non_empty_array(body, "email_addresses") &&
      !non_empty_array(body, "phone_numbers") && !non_empty_array(body, "addresses"))
    return "Contact must contain at least one item in email_addresses, phone_numbers, or addresses";
  return std::nullopt;
}

}  // namespace keapsync::sandbox
