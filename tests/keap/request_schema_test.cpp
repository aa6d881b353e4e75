// Produced request bodies checked against Keap's v2 request schemas (extracted from swagger.yml),
// and kept as example files in tests/keap/examples/ for a full OpenAPI validation.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keap/contact_requests.hpp"
#include "keap/created_contact.hpp"
#include "keap/email_status_requests.hpp"
#include "keap/goal_requests.hpp"
#include "keap/keap_contact_fields.hpp"
#include "keap/payload_parser.hpp"
#include "keap/tag_requests.hpp"
#include "support/json_schema.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const fs::path kDir = fs::path(KEAPSYNC_SOURCE_DIR) / "tests" / "keap";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const json::object& spec() {
  // tests/keap/keap_v2_request_schemas.json, made by scripts/extract-keap-schemas.py.
  static const json::object doc =
      json::parse(read(kDir / "keap_v2_request_schemas.json")).as_object();
  return doc;
}

// The validator shared with the sandbox's response checks.
const testing::JsonSchemas& schemas() {
  static const testing::JsonSchemas set(spec().at("schemas").as_object());
  return set;
}

std::vector<std::string> violations(const json::object& body, std::string_view schema) {
  return schemas().violations(body, schemas().named(schema), "body");
}

ContactChange change(std::string_view text) {
  auto parsed = parse_payload(json::parse(text));
  EXPECT_TRUE(std::holds_alternative<ContactChange>(parsed));
  return std::holds_alternative<ContactChange>(parsed) ? std::get<ContactChange>(parsed)
                                                       : ContactChange{};
}

constexpr std::string_view kFullPayload = R"({
  "email": "ann@example.com", "email2": "ann@work.example", "email3": "ann@home.example",
  "given_name": "Ann", "middle_name": "B", "family_name": "Smith", "job_title": "CTO",
  "website": "https://ann.example", "birth_date": "1985-03-15",
  "phone": "+1 555-0101", "phone2": "555-0102",
  "address": {"line1": "1 Main St", "line2": "Apt 2", "locality": "Phoenix",
              "region_code": "US-AZ", "postal_code": "85001", "country_code": "USA"},
  "shipping_address": {"line1": "7 Dock Rd", "locality": "Hamburg", "postal_code": "20457",
                       "country_code": "DEU"},
  "opt_in_reason": "Checkout consent box",
  "custom_fields": {"12": "gold", "7": 3},
  "tags_add": [5, "VIP"], "tags_remove": [9],
  "keap": {"prefix": "Dr.", "source_type": "API", "company": {"id": "100"},
           "origin": {"ip_address": "192.0.2.10"}}
})";

constexpr std::string_view kCurrent = R"({
  "id": "42",
  "email_addresses": [{"email": "ann@old.example", "field": "EMAIL1", "is_opt_in": true,
                       "email_opt_status": "SINGLE_OPT_IN"},
                      {"email": "x@y.example", "field": "EMAIL3"}],
  "phone_numbers": [{"number": "555-0001", "extension": "12", "type": "Work",
                     "field": "PHONE1", "number_e164": "+15550001"},
                    {"number": "555-0003", "field": "PHONE3"}],
  "addresses": [{"field": "OTHER", "line1": "3 Far Rd", "region": "Ontario",
                 "country": "Canada", "country_code": "CAN"},
                {"field": "BILLING", "line1": "1 Old St", "zip_code": "85001", "zip_four": "1"}],
  "custom_fields": [{"id": "1", "content": "kept"}, {"id": "12", "content": "bronze"}]
})";

// One example per request kind; the files in tests/keap/examples/ must equal what the code
// produces (KEAPSYNC_UPDATE_EXAMPLES=1 rewrites them).
struct Example {
  std::string file;
  KeapRequest request;
  std::string schema;  // request body schema in swagger.yml ("" when the request has no body)
};

// One call puts a tag on (or takes it off) several contacts.
const std::vector<std::string> kTagged{"42", "43"};
const GoalEvent kGoal{"my_shop", "purchased", 0, 0};
const GoalEvent kGoalById{"", "", 30, 4};

std::vector<Example> examples() {
  const ContactChange full = change(kFullPayload);
  const MappingResult create = map_create(full);
  const MappingResult update = map_update(full, "42", json::parse(kCurrent).as_object());
  const MappingResult update_clear = map_update(
      change(R"({"family_name": null, "email3": null, "phone": null, "shipping_address": null,
                 "custom_fields": {"1": null}})"),
      "42", json::parse(kCurrent).as_object());
  EXPECT_TRUE(create.ok() && update.ok() && update_clear.ok());
  return {
      {"create_contact.json", create.request.value_or(KeapRequest{}), "CreateUpdateContactRequest"},
      {"update_contact.json", update.request.value_or(KeapRequest{}), "CreateUpdateContactRequest"},
      {"update_contact_clear.json", update_clear.request.value_or(KeapRequest{}),
       "CreateUpdateContactRequest"},
      {"get_contact.json", get_contact_request("42", fields_to_fetch(full)), ""},
      {"delete_contact.json", delete_contact_request("42"), ""},
      {"apply_tag.json", tag_contacts_request(TagAction::apply, 5, kTagged),
       "ApplyRemoveTagRequest"},
      {"remove_tag.json", tag_contacts_request(TagAction::remove, 9, kTagged),
       "ApplyRemoveTagRequest"},
      {"find_tag.json", find_tag_request("VIP"), ""},
      {"achieve_goal.json", achieve_goal_request(kGoal, "42"), "AchieveGoalRequest"},
      {"achieve_goal_by_id.json", achieve_goal_request(kGoalById, "42"), "AchieveGoalRequest"},
      {"opt_out.json", email_status_request({"old@example.com", false, "Unsubscribed"}),
       "UpdateEmailAddress"},
      {"create_tag.json", create_tag_request("VIP"), "CreateUpdateTagRequest"},
      {"find_created_contact.json",
       find_created_request(
           map_create(change(R"({"phone": "+1 555 0100", "given_name": "Pat"})")).request.value(),
           "2026-12-03T06:00:00Z")
           .value(),
       ""},
  };
}

// JSON with two-space indentation, keys in the order the code wrote them (Boost 1.81 has no
// pretty printer), so that the example files read well and diff well.
void pretty(const json::value& v, std::string& out, int depth) {
  const std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string end_pad(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : v.get_object()) {
      out += (first ? "" : ",\n") + pad + json::serialize(json::value(key)) + ": ";
      pretty(item, out, depth + 1);
      first = false;
    }
    out += "\n" + end_pad + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.get_array()) {
      out += (first ? "" : ",\n") + pad;
      pretty(item, out, depth + 1);
      first = false;
    }
    out += "\n" + end_pad + "]";
  } else {
    out += json::serialize(v);
  }
}

std::string example_text(const KeapRequest& r) {
  json::object o{{"method", r.method}, {"target", r.target}};
  if (r.body) o["body"] = *r.body;
  std::string out;
  pretty(o, out, 0);
  return out + "\n";
}

TEST(RequestSchema, ProducedBodiesMatchTheSpecSchemas) {
  for (const Example& e : examples()) {
    if (e.schema.empty()) {
      EXPECT_FALSE(e.request.body) << e.file;
      continue;
    }
    ASSERT_TRUE(e.request.body) << e.file;
    EXPECT_EQ(violations(*e.request.body, e.schema), std::vector<std::string>{}) << e.file;
  }
}

TEST(RequestSchema, ValidatorCatchesWhatItShould) {
  EXPECT_EQ(
      violations(json::parse(R"({"email_addresses": [{"email": "a", "field": "EMAIL9",
      "is_opt_in": true}], "nickname": "x", "website": 5})")
                     .as_object(),
                 "CreateUpdateContactRequest"),
      (std::vector<std::string>{"body.email_addresses[0].field: \"EMAIL9\" not in the enum",
                                "body.email_addresses[0].is_opt_in: not in the schema",
                                "body.nickname: not in the schema", "body.website: not a string"}));
  EXPECT_EQ(violations(json::object{}, "ApplyRemoveTagRequest"),
            std::vector<std::string>{"body: missing contact_ids"});
}

TEST(RequestSchema, UpdateMaskValuesAndDuplicateOptionAreInTheSpecEnums) {
  const auto& mask_enum = spec().at("update_mask").as_array();
  for (const Example& e : examples()) {
    for (const std::string& field : e.request.update_mask) {
      EXPECT_NE(std::find(mask_enum.begin(), mask_enum.end(), json::value(field)), mask_enum.end())
          << field;
    }
  }
  // Every field `payload.keap` accepts can be named in a mask and is in the request schema.
  const auto& props = schemas().named("CreateUpdateContactRequest").at("properties").as_object();
  EXPECT_EQ(keap_contact_field_names().size(), props.size());
  for (std::string_view name : keap_contact_field_names()) {
    EXPECT_TRUE(props.contains(name)) << name;
    EXPECT_NE(std::find(mask_enum.begin(), mask_enum.end(), json::value(name)), mask_enum.end())
        << name;
  }
  const auto& dup = spec().at("duplicate_option").as_array();
  EXPECT_NE(std::find(dup.begin(), dup.end(), json::value("Email")), dup.end());
}

TEST(RequestSchema, ExampleFilesMatchTheCode) {
  const fs::path dir = kDir / "examples";
  const bool update = std::getenv("KEAPSYNC_UPDATE_EXAMPLES") != nullptr;
  if (update) fs::create_directories(dir);
  for (const Example& e : examples()) {
    const std::string text = example_text(e.request);
    if (update) {
      std::ofstream(dir / e.file, std::ios::binary) << text;
    } else {
      EXPECT_EQ(read(dir / e.file), text)
          << e.file << " is stale: rerun keap_test with KEAPSYNC_UPDATE_EXAMPLES=1";
    }
  }
}

}  // namespace
}  // namespace keapsync::keap
