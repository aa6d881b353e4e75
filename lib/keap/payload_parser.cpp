// Payload validation: every check of docs/payload.md, each error naming its path.
#include "keap/payload_parser.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "ascii/utf8.hpp"
#include "keap/country_codes.hpp"
#include "keap/email_address.hpp"
#include "keap/email_status_parser.hpp"
#include "keap/goal_parser.hpp"
#include "keap/keap_contact_fields.hpp"
#include "keap/payload_words.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 18> kTopKeys{"email",
                                                    "email2",
                                                    "email3",
                                                    "given_name",
                                                    "middle_name",
                                                    "family_name",
                                                    "job_title",
                                                    "website",
                                                    "birth_date",
                                                    "phone",
                                                    "phone2",
                                                    "address",
                                                    "shipping_address",
                                                    "opt_in_reason",
                                                    "custom_fields",
                                                    "tags_add",
                                                    "tags_remove",
                                                    "keap"};
constexpr std::array<std::string_view, 6> kAddressKeys{
    "line1", "line2", "locality", "region_code", "postal_code", "country_code"};

// The deepest nesting of objects and arrays in JSON text (the top value is level 1), counted
// before parsing so that the error can say how deep the payload goes. Brackets in strings do not
// count; the text's validity is left to the parser.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::string too_many(std::size_t count, std::string_view what, std::size_t max) {
  return "too many " + std::string(what) + ": " + std::to_string(count) + " (at most " +
         std::to_string(max) + ")";
}

std::string too_long(std::size_t count, std::size_t max) {
  return "too long: " + std::to_string(count) + " characters (at most " + std::to_string(max) + ")";
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

// Pragmatic e-mail check: one @, a sane local part, a domain with a dot and a real TLD.
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool is_phone(std::string_view s) {
  bool digit = false;
  for (char c : s) {
    if (is_digit(c)) {
      digit = true;
    } else if (std::string_view(" +-()./xX").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digit;
}

bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(s[i])) return false;
  }
  const int year = std::stoi(std::string(s.substr(0, 4)));
  const int month = std::stoi(std::string(s.substr(5, 2)));
  const int day = std::stoi(std::string(s.substr(8, 2)));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1] + ((month == 2 && leap) ? 1 : 0);
}

// ISO 3166-2 subdivision code as Keap's Address.region_code wants it: "US-AZ", "GB-ENG", "FR-75".
bool is_region_code(std::string_view s) {
  if (s.size() < 4 || s.size() > 6 || !is_upper(s[0]) || !is_upper(s[1]) || s[2] != '-')
    return false;
  return std::all_of(s.begin() + 3, s.end(), [](char c) { return is_upper(c) || is_digit(c); });
}

// A JSON number as the shop wrote it, roughly: 0, -4, 1.5 (Boost would print 1.5E0).
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v.get_double());
  return buf;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

class Parser {
 public:
  std::vector<PayloadError> errors;

  void fail(std::string path, std::string message) {
    errors.push_back({std::move(path), std::move(message)});
  }

  // A string-or-null field with a length limit; `check` adds a format check for non-null values.
  template <class Check>
  FieldChange<std::string> text(const json::value& v, const std::string& path, std::size_t max,
                                Check check) {
    if (v.is_null()) return FieldChange<std::string>::clear();
    if (!v.is_string()) {
      fail(path, "expected a string or null, got " + kind_name(v));
      return {};
    }
    const std::string_view s = v.get_string();
    if (!check(path, s)) return {};
    const std::size_t n = char_count(s);
    if (n > max) {
      fail(path, too_long(n, max));
      return {};
    }
    return FieldChange<std::string>::set(std::string(s));
  }

  // One-line text: names, titles, address lines. Control characters (newlines, tabs...) are
  // refused: they break Keap's forms and exports and are almost always a copy-paste accident.
  FieldChange<std::string> plain(const json::value& v, const std::string& path, std::size_t max) {
    return text(v, path, max, [this](const std::string& p, std::string_view s) {
      if (!has_control(s)) return true;
      fail(p, quoted(s) + " contains a control character (expected one line of text)");
      return false;
    });
  }

  FieldChange<std::string> email(const json::value& v, const std::string& path, std::size_t max) {
    return text(v, path, max, [this](const std::string& p, std::string_view s) {
      if (is_email(s)) return true;
      fail(p, quoted(s) + " is not an e-mail address (expected name@example.com)");
      return false;
    });
  }

  FieldChange<std::string> phone(const json::value& v, const std::string& path) {
    return text(v, path, PayloadLimits::phone, [this](const std::string& p, std::string_view s) {
      if (is_phone(s)) return true;
      fail(p, quoted(s) + " is not a phone number (expected digits, spaces and + - ( ) . / x)");
      return false;
    });
  }

  FieldChange<std::string> date(const json::value& v, const std::string& path) {
    return text(v, path, 10, [this](const std::string& p, std::string_view s) {
      if (is_date(s)) return true;
      fail(p, quoted(s) + " is not a date (YYYY-MM-DD)");
      return false;
    });
  }

  FieldChange<AddressChange> address(const json::value& v, const std::string& path, bool billing) {
    if (v.is_null()) return FieldChange<AddressChange>::clear();
    if (!v.is_object()) {
      fail(path, "expected an object or null, got " + kind_name(v));
      return {};
    }
    const std::size_t errors_before = errors.size();
    const std::size_t line_max =
        billing ? PayloadLimits::billing_line : PayloadLimits::shipping_line;
    AddressChange a;
    for (const auto& [key, item] : v.get_object()) {
      const std::string p = path + "." + shown_key(key);
      if (key == "line1") {
        a.line1 = plain(item, p, line_max);
      } else if (key == "line2") {
        a.line2 = plain(item, p, line_max);
      } else if (key == "locality") {
        a.locality = plain(
            item, p, billing ? PayloadLimits::billing_locality : PayloadLimits::shipping_locality);
      } else if (key == "postal_code") {
        a.postal_code = plain(
            item, p, billing ? PayloadLimits::billing_postal : PayloadLimits::shipping_postal);
      } else if (key == "country_code") {
        a.country_code = text(item, p, 3, [this](const std::string& pp, std::string_view s) {
          if (alpha2_of_alpha3(s)) return true;
          std::string hint = "expected a code such as \"USA\", \"DEU\", \"FRA\"";
          const std::string up = upper(s);
          if (alpha2_of_alpha3(up)) {
            hint = "did you mean \"" + up + "\"?";
          } else if (auto a3 = alpha3_of_alpha2(up)) {
            hint = "did you mean \"" + std::string(*a3) + "\"?";
          }
          fail(pp, quoted(s) + " is not an ISO 3166 alpha-3 code (" + hint + ")");
          return false;
        });
      } else if (key == "region_code") {
        a.region_code = text(item, p, 6, [this](const std::string& pp, std::string_view s) {
          if (is_region_code(s)) return true;
          fail(pp, quoted(s) + " is not an ISO 3166-2 subdivision code (expected e.g. \"US-AZ\")");
          return false;
        });
      } else {
        fail(p, "unknown key " + key_hint(key, kAddressKeys));
      }
    }
    if (a.region_code.has_value() && a.country_code.has_value()) {
      const auto a2 = alpha2_of_alpha3(a.country_code.value());
      if (a2 && a.region_code.value().substr(0, 2) != *a2) {
        fail(path + ".region_code", quoted(a.region_code.value()) + " is not in country_code " +
                                        quoted(a.country_code.value()) +
                                        " (expected a code starting with \"" + std::string(*a2) +
                                        "-\")");
      }
    }
    if (errors.size() != errors_before) return {};
    return FieldChange<AddressChange>::set(std::move(a));
  }

  void custom_fields(const json::value& v, ContactChange& c) {
    if (!v.is_object()) {
      fail("payload.custom_fields",
           "expected an object of custom field id -> value, got " + kind_name(v));
      return;
    }
    if (v.get_object().size() > PayloadLimits::custom_fields) {
      fail("payload.custom_fields",
           too_many(v.get_object().size(), "fields", PayloadLimits::custom_fields));
      return;
    }
    for (const auto& [key, item] : v.get_object()) {
      const std::string p = "payload.custom_fields." + shown_key(key);
      const bool numeric = !key.empty() && key.size() <= 18 && key.front() != '0' &&
                           std::all_of(key.begin(), key.end(), is_digit);
      if (!numeric) {
        fail(p, quoted(key) +
                    " is not a custom field id (expected a positive integer such as \"12\")");
        continue;
      }
      if (item.is_null()) {
        c.custom_fields[std::string(key)] = FieldChange<json::value>::clear();
      } else if (item.is_string() || item.is_number() || item.is_bool()) {
        if (item.is_string() && char_count(item.get_string()) > PayloadLimits::custom_text) {
          fail(p, too_long(char_count(item.get_string()), PayloadLimits::custom_text));
          continue;
        }
        c.custom_fields[std::string(key)] = FieldChange<json::value>::set(item);
      } else {
        fail(p, "expected a string, number, boolean or null, got " + kind_name(item));
      }
    }
  }

  std::vector<TagRef> tags(const json::value& v, const std::string& path) {
    std::vector<TagRef> out;
    if (!v.is_array()) {
      fail(path, "expected an array of tag ids (numbers) or names (strings), got " + kind_name(v));
      return out;
    }
    const json::array& items = v.get_array();
    if (items.size() > PayloadLimits::tags_per_list) {
      fail(path, too_many(items.size(), "tags", PayloadLimits::tags_per_list));
      return out;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const json::value& item = items[i];
      const std::string p = path + "[" + std::to_string(i) + "]";
      std::optional<TagRef> tag;
      if (item.is_int64() && item.get_int64() > 0) {
        tag = TagRef::by_id(item.get_int64());
      } else if (item.is_uint64() && item.get_uint64() <= INT64_MAX) {
        tag = TagRef::by_id(static_cast<std::int64_t>(item.get_uint64()));
      } else if (item.is_number()) {
        fail(p, number_text(item) + " is not a tag id (expected a positive integer, or a name)");
      } else if (item.is_string()) {
        const std::string_view name = item.get_string();
        if (name.find_first_not_of(" \t\r\n") == std::string_view::npos) {
          fail(p, quoted(name) + " is not a tag name (expected a non-empty name, or an id)");
        } else if (has_control(name)) {
          fail(p, quoted(name) + " contains a control character (expected one line of text)");
        } else if (char_count(name) > PayloadLimits::tag_name) {
          fail(p, too_long(char_count(name), PayloadLimits::tag_name));
        } else {
          tag = TagRef::by_name(std::string(name));
        }
      } else {
        fail(p, "expected a tag id (positive integer) or name (string), got " + kind_name(item));
      }
      if (tag && std::find(out.begin(), out.end(), *tag) == out.end()) out.push_back(*tag);
    }
    return out;
  }

  void keap(const json::value& v, ContactChange& c) {
    if (!v.is_object()) {
      fail("payload.keap", "expected an object of Keap v2 contact fields, got " + kind_name(v));
      return;
    }
    for (const auto& [key, item] : v.get_object()) {
      const std::string p = "payload.keap." + shown_key(key);
      const auto shape = keap_contact_field_shape(key);
      if (!shape) {
        fail(p, "not a field of Keap's CreateUpdateContactRequest " +
                    key_hint(key, keap_contact_field_names()));
        continue;
      }
      const bool ok = (*shape == KeapFieldShape::string && item.is_string()) ||
                      (*shape == KeapFieldShape::array && item.is_array()) ||
                      (*shape == KeapFieldShape::object && item.is_object());
      if (!ok) {
        const char* want = *shape == KeapFieldShape::string  ? "a string"
                           : *shape == KeapFieldShape::array ? "an array"
                                                             : "an object";
        fail(p, std::string("expected ") + want + ", got " + kind_name(item));
        continue;
      }
      c.keap[key] = item;
    }
  }

  ContactChange payload(const json::object& o) {
    ContactChange c;
    for (const auto& [key, v] : o) {
      const std::string p = "payload." + shown_key(key);
      if (key == "email") {
        c.email = email(v, p, PayloadLimits::email1);
      } else if (key == "email2") {
        c.email2 = email(v, p, PayloadLimits::email23);
      } else if (key == "email3") {
        c.email3 = email(v, p, PayloadLimits::email23);
      } else if (key == "given_name") {
        c.given_name = plain(v, p, PayloadLimits::given_name);
      } else if (key == "middle_name") {
        c.middle_name = plain(v, p, PayloadLimits::middle_name);
      } else if (key == "family_name") {
        c.family_name = plain(v, p, PayloadLimits::family_name);
      } else if (key == "job_title") {
        c.job_title = plain(v, p, PayloadLimits::job_title);
      } else if (key == "website") {
        c.website = plain(v, p, PayloadLimits::website);
      } else if (key == "birth_date") {
        c.birth_date = date(v, p);
      } else if (key == "phone") {
        c.phone = phone(v, p);
      } else if (key == "phone2") {
        c.phone2 = phone(v, p);
      } else if (key == "address") {
        c.address = address(v, p, true);
      } else if (key == "shipping_address") {
        c.shipping_address = address(v, p, false);
      } else if (key == "opt_in_reason") {
        if (v.is_string() && !v.get_string().empty()) {
          c.opt_in_reason = std::string(v.get_string());
        } else if (v.is_string()) {
          fail(p, "expected a non-empty string, got \"\"");
        } else {
          fail(p,
               "expected a non-empty string, got " + kind_name(v) +
                   (v.is_null() ? " (to withdraw an opt-in, send an opt_out row; leave the key out)"
                                : ""));
        }
      } else if (key == "custom_fields") {
        custom_fields(v, c);
      } else if (key == "tags_add") {
        c.tags_add = tags(v, p);
      } else if (key == "tags_remove") {
        c.tags_remove = tags(v, p);
      } else if (key == "keap") {
        keap(v, c);
      } else {
        fail(p, "unknown key " + key_hint(key, kTopKeys));
      }
    }
    if (c.opt_in_reason && c.email.cleared()) {
      fail("payload.opt_in_reason", "cannot opt in: this payload clears email (EMAIL1)");
    }
    for (std::size_t i = 0; i < c.tags_remove.size(); ++i) {
      if (std::find(c.tags_add.begin(), c.tags_add.end(), c.tags_remove[i]) != c.tags_add.end()) {
        fail("payload.tags_remove[" + std::to_string(i) + "]",
             c.tags_remove[i].display() +
                 " is also in tags_add (a payload cannot add and remove the same tag)");
      }
    }
    return c;
  }
};

}  // namespace

ParsedPayload parse_payload(const json::value& payload) {
  if (!payload.is_object()) {
    return std::vector<PayloadError>{
        {"payload", "expected an object of contact fields, got " + kind_name(payload)}};
  }
  Parser parser;
  ContactChange change = parser.payload(payload.get_object());
  if (!parser.errors.empty()) return std::move(parser.errors);
  return change;
}

ParsedChange parse_row(std::string_view op, std::optional<std::string_view> payload_text) {
  json::value payload = nullptr;
  if (payload_text) {
    const std::size_t depth = nesting_depth(*payload_text);
    if (depth > PayloadLimits::depth) {
      return std::vector<PayloadError>{{"payload", "nested too deep: " + std::to_string(depth) +
                                                       " levels (at most " +
                                                       std::to_string(PayloadLimits::depth) + ")"}};
    }
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = PayloadLimits::depth;
    payload = json::parse(*payload_text, ec, {}, options);
    if (ec) {
      return std::vector<PayloadError>{{"payload", "not readable as JSON (" + ec.message() + ")"}};
    }
  }
  return parse_change(op, payload);
}

ParsedChange parse_change(std::string_view op, const json::value& payload) {
  if (op == "delete") {
    if (payload.is_null() || (payload.is_object() && payload.get_object().empty())) {
      return PendingChange::remove();
    }
    return std::vector<PayloadError>{
        {"payload",
         "a delete takes no payload (expected null or {}, got " + kind_name(payload) + ")"}};
  }
  if (op == "goal") {
    auto goal = parse_goal(payload);
    if (auto* errors = std::get_if<std::vector<PayloadError>>(&goal)) return std::move(*errors);
    return PendingChange::of(std::move(std::get<GoalEvent>(goal)));
  }
  if (op == "opt_out" || op == "opt_in") {
    auto status = parse_email_status(payload, op == "opt_in");
    if (auto* errors = std::get_if<std::vector<PayloadError>>(&status)) return std::move(*errors);
    return PendingChange::of(std::move(std::get<EmailStatusEvent>(status)));
  }
  if (op != "upsert") {
    return std::vector<PayloadError>{
        {"op",
         quoted(op) +
             " is not an operation (expected \"upsert\", \"delete\", \"goal\", \"opt_out\" or "
             "\"opt_in\")"}};
  }
  auto parsed = parse_payload(payload);
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) return std::move(*errors);
  return PendingChange::upsert(std::move(std::get<ContactChange>(parsed)));
}

}  // namespace keapsync::keap
