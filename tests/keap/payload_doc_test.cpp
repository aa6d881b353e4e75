// docs/payload.md stays in step with the code: every key, limit and Keap field it names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "keap/keap_contact_fields.hpp"
#include "keap/payload_limits.hpp"

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

}  // namespace
}  // namespace keapsync::keap
