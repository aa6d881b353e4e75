// Finding the contact an unsettled create may have made (see created_contact.hpp).
#include "keap/created_contact.hpp"

#include <boost/json.hpp>

#include "http/percent_encode.hpp"

namespace keapsync::keap {
namespace {

// Views into `o`: callers pass objects they hold (a value converted to a
// temporary here would leave the pointer dangling).
const boost::json::array* list_of(const boost::json::object& o, std::string_view key) {
  const auto* list = o.if_contains(key);
  return list != nullptr && list->is_array() ? &list->as_array() : nullptr;
}

std::string text_of(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return "";
  const auto* s = v.as_object().if_contains(key);
  return s != nullptr && s->is_string() ? std::string(s->as_string()) : "";
}

std::string text_of(const boost::json::object& o, std::string_view key) {
  const auto* s = o.if_contains(key);
  return s != nullptr && s->is_string() ? std::string(s->as_string()) : "";
}

}  // namespace

bool matched_by_email(const KeapRequest& create) {
  if (!create.body) return false;
  const auto* emails = list_of(*create.body, "email_addresses");
  return emails != nullptr && !emails->empty();
}

std::optional<KeapRequest> find_created_request(const KeapRequest& create, std::string_view since) {
  if (!create.body) return std::nullopt;
  const auto* phones = list_of(*create.body, "phone_numbers");
  if (phones == nullptr || phones->empty()) return std::nullopt;
  const auto number = text_of((*phones)[0], "number");
  const auto field = text_of((*phones)[0], "field");
  if (number.empty() || field.empty()) return std::nullopt;
  return KeapRequest{"GET",
                     "/rest/v2/contacts?filter=phone_number%3D%3D" + http::percent_encode(number) +
                         "%3Bphone_fields%3D%3D" + http::percent_encode(field) +
                         "%3Bstart_update_time%3D%3D" + http::percent_encode(since) +
                         "&fields=given_name,family_name,phone_numbers",
                     std::nullopt,
                     {}};
}

std::optional<std::string> created_contact_id(const boost::json::value& answer,
                                              const KeapRequest& create) {
  if (!answer.is_object() || !create.body) return std::nullopt;
  const auto* contacts = list_of(answer.as_object(), "contacts");
  if (contacts == nullptr) return std::nullopt;
  std::optional<std::string> best;
  for (const auto& c : *contacts) {
    if (text_of(c, "given_name") != text_of(*create.body, "given_name") ||
        text_of(c, "family_name") != text_of(*create.body, "family_name"))
      continue;
    const auto id = contact_id_of(c);
    // Equal-length digit strings compare as numbers; a longer one is larger.
    if (id && (!best || id->size() > best->size() || (id->size() == best->size() && *id > *best)))
      best = id;
  }
  return best;
}

std::optional<std::string> contact_id_of(const boost::json::value& contact) {
  if (!contact.is_object()) return std::nullopt;
  const auto* id = contact.as_object().if_contains("id");
  if (id == nullptr) return std::nullopt;
  if (id->is_string()) {
    const std::string text(id->as_string());
    if (text.empty() || text.size() > 20 ||
        text.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return text;
  }
  if (id->is_int64() && id->as_int64() > 0) return std::to_string(id->as_int64());
  if (id->is_uint64()) return std::to_string(id->as_uint64());
  return std::nullopt;
}

}  // namespace keapsync::keap
