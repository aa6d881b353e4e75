// docs/payload.md stays in step with the code: every key, limit and Keap field it names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include <set>
#include <vector>

#include "keap/contact_requests.hpp"
#include "keap/keap_contact_fields.hpp"
#include "keap/payload_limits.hpp"
#include "keap/payload_parser.hpp"

namespace keapsync::keap {
namespace {

std::string doc() {
  std::ifstream in(std::filesystem::path(KEAPSYNC_SOURCE_DIR) / "docs" / "payload.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(PayloadDoc, StatesEveryCapWithItsValue) {
  const std::string d = doc();
  using L = PayloadLimits;
  for (const auto& text : {std::to_string(L::payload_bytes) + " bytes (256 KiB)",
                           std::to_string(L::tags_per_list) + " in `tags_add`, " +
                               std::to_string(L::tags_per_list) + " in `tags_remove`",
                           std::to_string(L::custom_fields) + " keys in `custom_fields`",
                           std::to_string(L::depth) + " levels of objects and arrays",
                           "longer than " + std::to_string(L::shown_key) + " characters"}) {
    EXPECT_TRUE(has(d, text)) << text;
  }
}

TEST(PayloadDoc, ListsEveryKeyWithItsLimit) {
  const std::string d = doc();
  ASSERT_FALSE(d.empty());
  using L = PayloadLimits;
  const std::pair<const char*, std::string> rows[] = {
      {"email", "e-mail, ≤ " + std::to_string(L::email1)},
      {"email2", "e-mail, ≤ " + std::to_string(L::email23)},
      {"email3", "e-mail, ≤ " + std::to_string(L::email23)},
      {"given_name", "≤ " + std::to_string(L::given_name)},
      {"middle_name", "≤ " + std::to_string(L::middle_name)},
      {"family_name", "≤ " + std::to_string(L::family_name)},
      {"job_title", "≤ " + std::to_string(L::job_title)},
      {"website", "≤ " + std::to_string(L::website)},
      {"birth_date", "`YYYY-MM-DD`"},
      {"phone", "phone, ≤ " + std::to_string(L::phone)},
      {"phone2", "phone, ≤ " + std::to_string(L::phone)},
      {"address", "object or null"},
      {"shipping_address", "object or null"},
      {"opt_in_reason", "non-empty string"},
      {"custom_fields", "(≤ " + std::to_string(L::custom_text) + ")"},
      {"tags_add", "(non-empty strings, ≤ " + std::to_string(L::tag_name) + ")"},
      {"tags_remove", "array"},
      {"keap", "object"},
  };
  for (const auto& [key, detail] : rows) {
    const std::string row_start = "| `" + std::string(key) + "` |";
    const auto at = d.find(row_start);
    ASSERT_NE(at, std::string::npos) << key;
    const std::string row = d.substr(at, d.find('\n', at) - at);
    EXPECT_TRUE(has(row, detail)) << row;
  }
  const std::string line_row = "| `line1`, `line2` | ≤ " + std::to_string(L::billing_line) +
                               " | ≤ " + std::to_string(L::shipping_line) + " |";
  EXPECT_TRUE(has(d, line_row));
  EXPECT_TRUE(has(d, "| `locality` | ≤ " + std::to_string(L::billing_locality) + " | ≤ " +
                         std::to_string(L::shipping_locality) + " |"));
  EXPECT_TRUE(has(d, "| `postal_code` | ≤ " + std::to_string(L::billing_postal) + " | ≤ " +
                         std::to_string(L::shipping_postal) + " |"));
}

TEST(PayloadDoc, NamesEveryRawKeapField) {
  const std::string d = doc();
  const auto start = d.find("### keap (raw Keap fields)");
  ASSERT_NE(start, std::string::npos);
  const std::string section = d.substr(start, d.find("## ", start + 4) - start);
  for (std::string_view name : keap_contact_field_names()) {
    EXPECT_TRUE(has(section, "`" + std::string(name) + "`")) << name;
  }
}

// Every message the doc shows is one the code produces, word for word.
TEST(PayloadDoc, ErrorMessagesAreTheCodes) {
  namespace json = boost::json;
  std::set<std::string> produced;
  const auto collect = [&](const std::vector<PayloadError>& errors) {
    for (const auto& e : errors)
      produced.insert(e.text());
  };
  const auto parsed = [&](std::string_view op, std::string_view payload) -> ContactChange {
    auto r = parse_change(op, json::parse(payload));
    if (auto* errors = std::get_if<std::vector<PayloadError>>(&r)) {
      collect(*errors);
      return {};
    }
    return std::get<PendingChange>(r).change;
  };
  for (const char* payload :
       {R"({"emali": 1, "address": {"zip": "1"}, "given_name": 1})",
        R"({"given_name": "12345678901234567890123456789012345678901"})",
        R"({"given_name": "Ann\nSmith", "email": "ann@", "phone": "call me"})",
        R"({"birth_date": "1990-13-01", "address": {"country_code": "US"}})",
        R"({"address": {"country_code": "XYZ", "region_code": "AZ"}})",
        R"({"address": {"country_code": "CAN", "region_code": "US-AZ"}})",
        R"({"address": "x", "custom_fields": [1], "tags_add": "VIP"})",
        R"({"custom_fields": {"abc": 1, "3": {}}, "tags_add": [0, "", {}]})",
        R"({"tags_add": ["VIP"], "tags_remove": ["VIP"], "opt_in_reason": null})",
        R"({"email": null, "opt_in_reason": "form", "keap": "x"})",
        R"({"keap": {"given_nmae": "x", "company": "Acme"}})", "[]"}) {
    parsed("upsert", payload);
  }
  parsed("delete", R"({"email": "a@b.co"})");
  collect(map_create(parsed("upsert", R"({"given_name": "Ann"})")).errors);
  collect(map_create(parsed("upsert", R"({"phone": "1", "opt_in_reason": "x"})")).errors);
  collect(map_create(parsed("upsert", R"({"address": {"region_code": "US-AZ"}})")).errors);
  collect(map_update(parsed("upsert", R"({"opt_in_reason": "x"})"), "1", {}).errors);

  const std::string d = doc();
  const auto start = d.find("```\n", d.find("## Error messages"));
  ASSERT_NE(start, std::string::npos);
  const auto end = d.find("```", start + 4);
  std::stringstream block(d.substr(start + 4, end - start - 4));
  std::size_t lines = 0;
  for (std::string line; std::getline(block, line);) {
    ++lines;
    EXPECT_TRUE(produced.count(line)) << "the doc shows a message the code does not make:\n"
                                      << line;
  }
  EXPECT_GE(lines, 30u);
}

}  // namespace
}  // namespace keapsync::keap
