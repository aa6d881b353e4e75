// ContactChange -> Keap v2 contact requests; the list-merge rule is explained in the header.
#include "keap/contact_requests.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace keapsync::keap {
namespace {

namespace json = boost::json;

using TextMember = FieldChange<std::string> ContactChange::*;
using AddressMember = FieldChange<AddressChange> ContactChange::*;

struct TextSlot {
  TextMember member;
  const char* field;
};
struct AddressSlot {
  AddressMember member;
  const char* field;
  const char* path;
};

// Scalar fields, in the order they are put into bodies (and so into update_mask).
constexpr std::array<std::pair<TextMember, const char*>, 6> kScalars{{
    {&ContactChange::given_name, "given_name"},
    {&ContactChange::middle_name, "middle_name"},
    {&ContactChange::family_name, "family_name"},
    {&ContactChange::job_title, "job_title"},
    {&ContactChange::website, "website"},
    {&ContactChange::birth_date, "birth_date"},
}};
constexpr std::array<TextSlot, 3> kEmails{{{&ContactChange::email, "EMAIL1"},
                                           {&ContactChange::email2, "EMAIL2"},
                                           {&ContactChange::email3, "EMAIL3"}}};
constexpr std::array<TextSlot, 2> kPhones{
    {{&ContactChange::phone, "PHONE1"}, {&ContactChange::phone2, "PHONE2"}}};
constexpr std::array<AddressSlot, 2> kAddresses{{
    {&ContactChange::address, "BILLING", "payload.address"},
    {&ContactChange::shipping_address, "SHIPPING", "payload.shipping_address"},
}};

void require_id(std::string_view id) {
  if (id.empty() || id.size() > 20 ||
      !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument("Keap contact id must be decimal digits");
  }
}

bool emails_touched(const ContactChange& c) {
  return c.email.present() || c.email2.present() || c.email3.present() ||
         c.opt_in_reason.has_value();
}
bool phones_touched(const ContactChange& c) {
  return c.phone.present() || c.phone2.present();
}
bool addresses_touched(const ContactChange& c) {
  return c.address.present() || c.shipping_address.present();
}

// Copies the listed properties of `from` (request-schema properties only).
json::object pick(const json::object& from, std::initializer_list<std::string_view> keys) {
  json::object out;
  for (std::string_view k : keys) {
    if (auto it = from.find(k); it != from.end()) out[k] = it->value();
  }
  return out;
}

// A current list entry as EmailAddressRequest: email and field. Response-only properties
// (is_opt_in, email_opt_status) go, and so does opt_in_reason: sending it again would opt the
// address in anew (e.g. after a manual opt-out), which the shop did not ask for.
json::object request_email(const json::object& e) {
  return pick(e, {"email", "field"});
}

// PhoneNumber is the same schema in requests and responses: every property is kept.
json::object request_phone(const json::object& p) {
  return pick(p, {"number", "extension", "type", "field", "number_e164"});
}

// Address for writes: codes, not the deprecated long names; `region` is kept only when the
// contact has no region_code (so that it is not lost), `country` never (country_code carries it).
json::object request_address(const json::object& a) {
  json::object out = pick(a, {"field", "line1", "line2", "locality", "region_code", "country_code",
                              "postal_code", "zip_code", "zip_four"});
  if (!out.contains("region_code")) {
    if (auto it = a.find("region"); it != a.end()) out["region"] = it->value();
  }
  return out;
}

json::object request_custom_field(const json::object& f) {
  json::object out;
  if (auto it = f.find("id"); it != f.end()) {
    // ids are strings in v2; tolerate a number from an older server.
    out["id"] = it->value().is_string() ? it->value() : json::value(json::serialize(it->value()));
  }
  out["content"] = f.contains("content") ? f.at("content") : json::value(nullptr);
  return out;
}

// The current list `key` of `current`, each object entry converted by `convert`.
template <class Convert>
json::array current_list(const json::object& current, std::string_view key, Convert convert) {
  json::array out;
  auto it = current.find(key);
  if (it == current.end() || !it->value().is_array()) return out;
  for (const json::value& v : it->value().get_array()) {
    if (v.is_object()) out.push_back(convert(v.get_object()));
  }
  return out;
}

std::string_view text_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return (it != o.end() && it->value().is_string()) ? std::string_view(it->value().get_string())
                                                    : std::string_view();
}

// Index of the entry whose `key` equals `value`, or list.size().
std::size_t find_entry(const json::array& list, std::string_view key, std::string_view value) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_object() && text_of(list[i].get_object(), key) == value) return i;
  }
  return list.size();
}

void put_entry(json::array& list, std::string_view key, std::string_view value,
               json::object entry) {
  const std::size_t i = find_entry(list, key, value);
  if (i < list.size()) {
    list[i] = std::move(entry);
  } else {
    list.push_back(std::move(entry));
  }
}

void erase_entry(json::array& list, std::string_view key, std::string_view value) {
  const std::size_t i = find_entry(list, key, value);
  if (i < list.size()) list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
}

// Slots in a stable order (EMAIL1, EMAIL2, ...; BILLING, OTHER, SHIPPING) for readable bodies.
void sort_by_field(json::array& list) {
  std::stable_sort(list.begin(), list.end(), [](const json::value& a, const json::value& b) {
    return text_of(a.get_object(), "field") < text_of(b.get_object(), "field");
  });
}

void apply(json::object& entry, const FieldChange<std::string>& change, std::string_view key) {
  if (change.has_value()) {
    entry[key] = change.value();
  } else if (change.cleared()) {
    entry.erase(key);
  }
}

// The address slot after the shop's change, starting from `base` (the current entry, or {}).
json::object merged_address(json::object base, const AddressChange& a, const char* field) {
  base["field"] = field;
  apply(base, a.line1, "line1");
  apply(base, a.line2, "line2");
  apply(base, a.locality, "locality");
  apply(base, a.region_code, "region_code");
  apply(base, a.postal_code, "postal_code");
  apply(base, a.country_code, "country_code");
  // Stale twins of what the shop changed: Keap's zip_code/zip_four and long-form region.
  if (a.postal_code.present()) {
    base.erase("zip_code");
    base.erase("zip_four");
  }
  if (a.region_code.present()) base.erase("region");
  return base;
}

bool has_address_data(const json::object& entry) {
  return std::any_of(entry.begin(), entry.end(),
                     [](const json::key_value_pair& kv) { return kv.key() != "field"; });
}

void check_region(const json::object& entry, const char* path, std::vector<PayloadError>& errors) {
  if (entry.contains("region_code") && !entry.contains("country_code")) {
    errors.push_back({std::string(path) + ".region_code",
                      "needs a country_code (Keap requires country_code with a region)"});
  }
}

json::object custom_field_entry(const std::string& id, const json::value& content) {
  return json::object{{"id", id}, {"content", content}};
}

void merge_keap(json::object& body, const json::object& raw) {
  for (const auto& [key, value] : raw)
    body[key] = value;
}

}  // namespace

MappingResult map_create(const ContactChange& change) {
  MappingResult result;
  json::object body;
  for (const auto& [member, name] : kScalars) {
    if ((change.*member).has_value()) body[name] = (change.*member).value();
  }
  json::array emails, phones, addresses, custom;
  for (const auto& slot : kEmails) {
    if ((change.*slot.member).has_value()) {
      json::object entry{{"email", (change.*slot.member).value()}, {"field", slot.field}};
      if (slot.member == &ContactChange::email && change.opt_in_reason) {
        entry["opt_in_reason"] = *change.opt_in_reason;
      }
      emails.push_back(std::move(entry));
    }
  }
  if (change.opt_in_reason && !change.email.has_value()) {
    result.errors.push_back({"payload.opt_in_reason",
                             "a new contact needs \"email\" to opt in (opt-in is for EMAIL1)"});
  }
  for (const auto& slot : kPhones) {
    if ((change.*slot.member).has_value()) {
      phones.push_back(
          json::object{{"number", (change.*slot.member).value()}, {"field", slot.field}});
    }
  }
  for (const auto& slot : kAddresses) {
    if (!(change.*slot.member).has_value()) continue;
    json::object entry = merged_address({}, (change.*slot.member).value(), slot.field);
    if (!has_address_data(entry)) continue;
    check_region(entry, slot.path, result.errors);
    addresses.push_back(std::move(entry));
  }
  for (const auto& [id, value] : change.custom_fields) {
    if (value.has_value()) custom.push_back(custom_field_entry(id, value.value()));
  }
  if (!emails.empty()) body["email_addresses"] = std::move(emails);
  if (!phones.empty()) body["phone_numbers"] = std::move(phones);
  if (!addresses.empty()) body["addresses"] = std::move(addresses);
  if (!custom.empty()) body["custom_fields"] = std::move(custom);
  merge_keap(body, change.keap);

  const auto non_empty = [&body](std::string_view key) {
    auto it = body.find(key);
    return it != body.end() && it->value().is_array() && !it->value().get_array().empty();
  };
  if (!non_empty("email_addresses") && !non_empty("phone_numbers") && !non_empty("addresses")) {
    result.errors.push_back({"payload",
                             "a new contact needs email, email2, email3, phone, phone2, address or "
                             "shipping_address (Keap requires an e-mail, phone or address entry)"});
  }
  if (result.ok()) {
    result.request =
        KeapRequest{"POST", "/rest/v2/contacts?duplicate_option=Email", std::move(body), {}};
  }
  return result;
}

std::vector<std::string> fields_to_fetch(const ContactChange& change) {
  std::vector<std::string> out;
  const auto need = [&](bool touched, const char* field) {
    if (touched && !change.keap.contains(field)) out.emplace_back(field);  // raw keap list wins
  };
  need(emails_touched(change), "email_addresses");
  need(phones_touched(change), "phone_numbers");
  need(addresses_touched(change), "addresses");
  need(!change.custom_fields.empty(), "custom_fields");
  return out;
}

MappingResult map_update(const ContactChange& change, std::string_view contact_id,
                         const json::object& current) {
  require_id(contact_id);
  MappingResult result;
  json::object body;
  for (const auto& [member, name] : kScalars) {
    const auto& field = change.*member;
    if (field.has_value()) {
      body[name] = field.value();
    } else if (field.cleared()) {
      body[name] = "";  // the schema's strings are not nullable: "" is how a value is cleared
    }
  }

  if (emails_touched(change)) {
    json::array list = current_list(current, "email_addresses", request_email);
    for (const auto& slot : kEmails) {
      const auto& field = change.*slot.member;
      if (field.has_value()) {
        put_entry(list, "field", slot.field,
                  json::object{{"email", field.value()}, {"field", slot.field}});
      } else if (field.cleared()) {
        erase_entry(list, "field", slot.field);
      }
    }
    if (change.opt_in_reason) {
      const std::size_t i = find_entry(list, "field", "EMAIL1");
      if (i < list.size()) {
        list[i].get_object()["opt_in_reason"] = *change.opt_in_reason;
      } else {
        result.errors.push_back(
            {"payload.opt_in_reason", "the contact has no e-mail (EMAIL1) to opt in"});
      }
    }
    sort_by_field(list);
    body["email_addresses"] = std::move(list);
  }

  if (phones_touched(change)) {
    json::array list = current_list(current, "phone_numbers", request_phone);
    for (const auto& slot : kPhones) {
      const auto& field = change.*slot.member;
      if (field.has_value()) {
        // A new number keeps the slot's type (Work, Home...); extension and E.164 form belong
        // to the old number and go.
        json::object entry{{"number", field.value()}, {"field", slot.field}};
        const std::size_t i = find_entry(list, "field", slot.field);
        if (i < list.size()) {
          if (auto t = list[i].get_object().find("type"); t != list[i].get_object().end()) {
            entry["type"] = t->value();
          }
        }
        put_entry(list, "field", slot.field, std::move(entry));
      } else if (field.cleared()) {
        erase_entry(list, "field", slot.field);
      }
    }
    sort_by_field(list);
    body["phone_numbers"] = std::move(list);
  }

  if (addresses_touched(change)) {
    json::array list = current_list(current, "addresses", request_address);
    for (const auto& slot : kAddresses) {
      const auto& field = change.*slot.member;
      if (field.cleared()) {
        erase_entry(list, "field", slot.field);
      } else if (field.has_value()) {
        const AddressChange& a = field.value();
        json::object base;
        const std::size_t i = find_entry(list, "field", slot.field);
        if (i < list.size() && !a.replace_all) base = list[i].get_object();
        json::object entry = merged_address(std::move(base), a, slot.field);
        if (has_address_data(entry)) {
          check_region(entry, slot.path, result.errors);
          put_entry(list, "field", slot.field, std::move(entry));
        } else {
          erase_entry(list, "field", slot.field);
        }
      }
    }
    sort_by_field(list);
    body["addresses"] = std::move(list);
  }

  if (!change.custom_fields.empty()) {
    json::array list = current_list(current, "custom_fields", request_custom_field);
    for (const auto& [id, value] : change.custom_fields) {
      if (value.has_value()) {
        put_entry(list, "id", id, custom_field_entry(id, value.value()));
      } else if (value.cleared()) {
        erase_entry(list, "id", id);
      }
    }
    body["custom_fields"] = std::move(list);
  }

  merge_keap(body, change.keap);
  if (!result.ok() || body.empty()) return result;

  KeapRequest request{"PATCH", "/rest/v2/contacts/" + std::string(contact_id), {}, {}};
  // update_mask is an array query parameter without `explode: false`, so OpenAPI's default
  // (form, explode) applies: one update_mask=... per field.
  char sep = '?';
  for (const auto& kv : body) {
    request.update_mask.emplace_back(kv.key());
    request.target += sep;
    request.target += "update_mask=";
    request.target += kv.key();
    sep = '&';
  }
  request.body = std::move(body);
  result.request = std::move(request);
  return result;
}

KeapRequest get_contact_request(std::string_view contact_id,
                                const std::vector<std::string>& fields) {
  require_id(contact_id);
  KeapRequest request{"GET", "/rest/v2/contacts/" + std::string(contact_id), std::nullopt, {}};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    request.target += (i == 0 ? "?fields=" : ",");
    request.target += fields[i];
  }
  return request;
}

KeapRequest delete_contact_request(std::string_view contact_id) {
  require_id(contact_id);
  return KeapRequest{"DELETE", "/rest/v2/contacts/" + std::string(contact_id), std::nullopt, {}};
}

}  // namespace keapsync::keap
