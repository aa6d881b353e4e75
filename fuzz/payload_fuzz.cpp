// libFuzzer target: one outbox row as the daemon reads it (ContactProcessor::process), through
// parse_change and, when valid, the Keap request mapping. Input: the op, a newline, the payload
// JSON text; no newline means op "upsert"; nothing after the newline means a NULL payload.
#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "keap/coalesce.hpp"
#include "keap/contact_requests.hpp"
#include "keap/payload_parser.hpp"

namespace {

using namespace keapsync::keap;

// The daemon's JSON depth limit (lib/engine/contact_processor.cpp, kMaxPayloadDepth).
constexpr std::size_t kMaxPayloadDepth = 1000;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "payload_fuzz: invariant broken: %s\n", what);
  std::abort();
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool one_line(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

void check_text(const FieldChange<std::string>& f, std::size_t max, const char* what) {
  if (!f.has_value()) return;
  require(code_points(f.value()) <= max, what);
}

void check_line(const FieldChange<std::string>& f, std::size_t max, const char* what) {
  check_text(f, max, what);
  if (f.has_value()) require(one_line(f.value()), what);
}

void check_address(const FieldChange<AddressChange>& f, bool billing) {
  if (!f.has_value()) return;
  const AddressChange& a = f.value();
  const auto line = billing ? PayloadLimits::billing_line : PayloadLimits::shipping_line;
  check_line(a.line1, line, "address.line1 within its limit, one line");
  check_line(a.line2, line, "address.line2 within its limit, one line");
  check_line(a.locality,
             billing ? PayloadLimits::billing_locality : PayloadLimits::shipping_locality,
             "address.locality within its limit, one line");
  check_line(a.postal_code,
             billing ? PayloadLimits::billing_postal : PayloadLimits::shipping_postal,
             "address.postal_code within its limit, one line");
  check_text(a.country_code, 3, "address.country_code at most 3 characters");
  check_text(a.region_code, 6, "address.region_code at most 6 characters");
}

void check_tags(const std::vector<TagRef>& tags) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const TagRef& t = tags[i];
    require(t.is_id() != !t.name.empty(), "a tag is an id or a name, not both");
    if (!t.is_id()) {
      require(code_points(t.name) <= PayloadLimits::tag_name && one_line(t.name),
              "a tag name within its limit, one line");
    }
    require(
        std::find(tags.begin() + static_cast<std::ptrdiff_t>(i) + 1, tags.end(), t) == tags.end(),
        "a tag listed once");
  }
}

void check_change(const ContactChange& c) {
  check_text(c.email, PayloadLimits::email1, "email within its limit");
  check_text(c.email2, PayloadLimits::email23, "email2 within its limit");
  check_text(c.email3, PayloadLimits::email23, "email3 within its limit");
  check_line(c.given_name, PayloadLimits::given_name, "given_name within its limit, one line");
  check_line(c.middle_name, PayloadLimits::middle_name, "middle_name within its limit, one line");
  check_line(c.family_name, PayloadLimits::family_name, "family_name within its limit, one line");
  check_line(c.job_title, PayloadLimits::job_title, "job_title within its limit, one line");
  check_line(c.website, PayloadLimits::website, "website within its limit, one line");
  check_text(c.phone, PayloadLimits::phone, "phone within its limit");
  check_text(c.phone2, PayloadLimits::phone, "phone2 within its limit");
  if (c.birth_date.has_value()) require(c.birth_date.value().size() == 10, "birth_date YYYY-MM-DD");
  check_address(c.address, true);
  check_address(c.shipping_address, false);
  if (c.opt_in_reason) {
    require(!c.opt_in_reason->empty() && !c.email.cleared(), "opt_in_reason with an email");
  }
  for (const auto& [id, value] : c.custom_fields) {
    require(!id.empty() && id.front() != '0' &&
                std::all_of(id.begin(), id.end(), [](char ch) { return ch >= '0' && ch <= '9'; }),
            "a custom field id is a positive integer");
    if (value.has_value() && value.value().is_string()) {
      require(code_points(value.value().get_string()) <= PayloadLimits::custom_text,
              "custom field text within its limit");
    }
  }
  check_tags(c.tags_add);
  check_tags(c.tags_remove);
  for (const TagRef& t : c.tags_remove) {
    require(std::find(c.tags_add.begin(), c.tags_add.end(), t) == c.tags_add.end(),
            "no tag both added and removed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view op =
      newline == std::string_view::npos ? "upsert" : input.substr(0, newline);
  const std::string_view text =
      newline == std::string_view::npos ? input : input.substr(newline + 1);

  boost::json::value payload = nullptr;
  if (!text.empty()) {
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = kMaxPayloadDepth;
    payload = boost::json::parse(text, ec, {}, options);
    if (ec) return 0;  // the daemon buries it as "not readable as JSON"
  }

  auto parsed = parse_change(op, payload);
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) {
    require(!errors->empty(), "a refused row has a reason");
    for (const auto& e : *errors) {
      require(e.path == "op" || e.path.starts_with("payload"), "an error names its path");
      require(!e.message.empty(), "an error says what is wrong");
    }
    return 0;
  }
  const PendingChange& change = std::get<PendingChange>(parsed);
  require((change.op == PendingChange::Op::remove) == (op == "delete"), "the op is kept");
  if (change.op == PendingChange::Op::remove) {
    require(change.change == ContactChange{}, "a delete carries no change");
    return 0;
  }
  check_change(change.change);

  // What the daemon does next with a valid row: coalesce it and map it to Keap requests.
  const std::vector<PendingChange> rows{change, change};
  (void)coalesce(rows);
  (void)map_create(change.change);
  (void)fields_to_fetch(change.change);
  (void)map_update(change.change, "1", boost::json::object{});
  return 0;
}
