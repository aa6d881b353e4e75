// Payload validation: every key parsed, absent vs null, and each error kind with its exact text.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "keap/payload_parser.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;

ContactChange parse_ok(std::string_view text) {
  auto parsed = parse_payload(json::parse(text));
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) {
    ADD_FAILURE() << "unexpected errors: " << join_errors(*errors);
    return {};
  }
  return std::get<ContactChange>(parsed);
}

std::vector<std::string> errors_of(std::string_view text) {
  auto parsed = parse_payload(json::parse(text));
  std::vector<std::string> out;
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) {
    for (const auto& e : *errors)
      out.push_back(e.text());
  }
  return out;
}

using Errors = std::vector<std::string>;

TEST(PayloadParser, ParsesEveryKey) {
  const ContactChange c = parse_ok(R"({
    "email": "ann@example.com", "email2": "ann@work.example.org", "email3": "a@b.co",
    "given_name": "Ann", "middle_name": "B.", "family_name": "Smith", "job_title": "CTO",
    "website": "https://ann.example", "birth_date": "1992-02-29",
    "phone": "+1 (555) 123-4567", "phone2": "555.1234 x12",
    "address": {"line1": "1 Main St", "line2": "Apt 2", "locality": "Phoenix",
                "region_code": "US-AZ", "postal_code": "85001", "country_code": "USA"},
    "shipping_address": {"line1": "2 Side St", "country_code": "DEU"},
    "opt_in_reason": "Checkout box",
    "custom_fields": {"12": "gold", "13": 42, "14": true},
    "tags_add": [5, "VIP"], "tags_remove": ["Lead"],
    "keap": {"prefix": "Dr.", "company": {"id": "100"}}
  })");
  EXPECT_EQ(c.email.value(), "ann@example.com");
  EXPECT_EQ(c.email2.value(), "ann@work.example.org");
  EXPECT_EQ(c.email3.value(), "a@b.co");
  EXPECT_EQ(c.given_name.value(), "Ann");
  EXPECT_EQ(c.middle_name.value(), "B.");
  EXPECT_EQ(c.family_name.value(), "Smith");
  EXPECT_EQ(c.job_title.value(), "CTO");
  EXPECT_EQ(c.website.value(), "https://ann.example");
  EXPECT_EQ(c.birth_date.value(), "1992-02-29");
  EXPECT_EQ(c.phone.value(), "+1 (555) 123-4567");
  EXPECT_EQ(c.phone2.value(), "555.1234 x12");
  const AddressChange& a = c.address.value();
  EXPECT_EQ(a.line1.value(), "1 Main St");
  EXPECT_EQ(a.line2.value(), "Apt 2");
  EXPECT_EQ(a.locality.value(), "Phoenix");
  EXPECT_EQ(a.region_code.value(), "US-AZ");
  EXPECT_EQ(a.postal_code.value(), "85001");
  EXPECT_EQ(a.country_code.value(), "USA");
  EXPECT_FALSE(a.replace_all);
  EXPECT_EQ(c.shipping_address.value().line1.value(), "2 Side St");
  EXPECT_TRUE(c.shipping_address.value().locality.absent());
  EXPECT_EQ(c.opt_in_reason, "Checkout box");
  ASSERT_EQ(c.custom_fields.size(), 3u);
  EXPECT_EQ(c.custom_fields.at("12").value(), json::value("gold"));
  EXPECT_EQ(c.custom_fields.at("13").value(), json::value(42));
  EXPECT_EQ(c.custom_fields.at("14").value(), json::value(true));
  EXPECT_EQ(c.tags_add, (std::vector<TagRef>{TagRef::by_id(5), TagRef::by_name("VIP")}));
  EXPECT_EQ(c.tags_remove, (std::vector<TagRef>{TagRef::by_name("Lead")}));
  EXPECT_EQ(json::value(c.keap), json::parse(R"({"prefix":"Dr.","company":{"id":"100"}})"));
}

TEST(PayloadParser, AbsentLeavesAloneAndNullClears) {
  const ContactChange c = parse_ok(
      R"({"given_name": null, "email2": null, "phone": null, "address": null,
          "shipping_address": {"line2": null}, "custom_fields": {"7": null}})");
  EXPECT_TRUE(c.given_name.cleared());
  EXPECT_TRUE(c.email2.cleared());
  EXPECT_TRUE(c.phone.cleared());
  EXPECT_TRUE(c.address.cleared());
  EXPECT_TRUE(c.shipping_address.value().line2.cleared());
  EXPECT_TRUE(c.shipping_address.value().line1.absent());
  EXPECT_TRUE(c.custom_fields.at("7").cleared());
  EXPECT_TRUE(c.email.absent());
  EXPECT_TRUE(c.family_name.absent());
  EXPECT_TRUE(c.birth_date.absent());
  EXPECT_FALSE(c.opt_in_reason.has_value());
  EXPECT_TRUE(c.has_contact_fields());
  EXPECT_FALSE(parse_ok(R"({"tags_add": [1]})").has_contact_fields());
  EXPECT_FALSE(parse_ok("{}").has_contact_fields());
}

TEST(PayloadParser, UnknownKeysNameTheKeyAndSuggest) {
  EXPECT_EQ(errors_of(R"({"emali": "a@b.co"})"),
            Errors{"payload.emali: unknown key (did you mean \"email\"?)"});
  EXPECT_EQ(errors_of(R"({"address": {"zip": "1"}})"),
            Errors{"payload.address.zip: unknown key (expected one of: line1, line2, locality, "
                   "region_code, postal_code, country_code)"});
  EXPECT_EQ(errors_of(R"({"address": {"postcode": "1"}})"),
            Errors{"payload.address.postcode: unknown key (expected one of: line1, line2, "
                   "locality, region_code, postal_code, country_code)"});
  EXPECT_EQ(errors_of(R"({"shipping_address": {"line3": "x"}})"),
            Errors{"payload.shipping_address.line3: unknown key (did you mean \"line1\"?)"});
  EXPECT_EQ(errors_of(R"({"favourite_colour": "blue"})"),
            Errors{"payload.favourite_colour: unknown key (expected one of: email, email2, email3, "
                   "given_name, middle_name, family_name, job_title, website, birth_date, phone, "
                   "phone2, address, shipping_address, opt_in_reason, custom_fields, tags_add, "
                   "tags_remove, keap)"});
}

TEST(PayloadParser, WrongTypesSayWhatIsExpected) {
  EXPECT_EQ(errors_of("[1]"),
            Errors{"payload: expected an object of contact fields, got an array"});
  EXPECT_EQ(errors_of("null"), Errors{"payload: expected an object of contact fields, got null"});
  EXPECT_EQ(errors_of(R"({"given_name": 5})"),
            Errors{"payload.given_name: expected a string or null, got a number"});
  EXPECT_EQ(errors_of(R"({"email": true})"),
            Errors{"payload.email: expected a string or null, got a boolean"});
  EXPECT_EQ(errors_of(R"({"address": "1 Main St"})"),
            Errors{"payload.address: expected an object or null, got a string"});
  EXPECT_EQ(errors_of(R"({"address": {"line1": ["a"]}})"),
            Errors{"payload.address.line1: expected a string or null, got an array"});
  EXPECT_EQ(errors_of(R"({"keap": "x"})"),
            Errors{"payload.keap: expected an object of Keap v2 contact fields, got a string"});
  EXPECT_EQ(errors_of(R"({"keap": null})"),
            Errors{"payload.keap: expected an object of Keap v2 contact fields, got null"});
  EXPECT_EQ(errors_of(R"({"custom_fields": [1]})"),
            Errors{"payload.custom_fields: expected an object of custom field id -> value, got "
                   "an array"});
  EXPECT_EQ(errors_of(R"({"custom_fields": {"3": {"a": 1}}})"),
            Errors{"payload.custom_fields.3: expected a string, number, boolean or null, got an "
                   "object"});
  EXPECT_EQ(errors_of(R"({"tags_add": "VIP"})"),
            Errors{"payload.tags_add: expected an array of tag ids (numbers) or names (strings), "
                   "got a string"});
  EXPECT_EQ(errors_of(R"({"tags_remove": [{"id": 1}]})"),
            Errors{"payload.tags_remove[0]: expected a tag id (positive integer) or name "
                   "(string), got an object"});
}

TEST(PayloadParser, ReportsEveryErrorNotJustTheFirst) {
  EXPECT_EQ(errors_of(R"({"emali": 1, "given_name": 2, "birth_date": "x"})"),
            (Errors{"payload.emali: unknown key (did you mean \"email\"?)",
                    "payload.given_name: expected a string or null, got a number",
                    "payload.birth_date: \"x\" is not a date (YYYY-MM-DD)"}));
}

TEST(PayloadParser, EmailSyntax) {
  for (const char* bad :
       {"ann", "ann@", "@example.com", "ann@example", "a b@example.com", "ann@@example.com",
        "ann@exa_mple.com", "ann.@example.com", "a..b@example.com", "ann@example.c",
        "ann@-example.com", "ann@1.23", "ann@example..com", ""}) {
    const std::string payload = json::serialize(json::object{{"email", bad}});
    EXPECT_EQ(errors_of(payload), Errors{"payload.email: " + json::serialize(json::value(bad)) +
                                         " is not an e-mail address (expected name@example.com)"})
        << bad;
  }
  for (const char* good : {"ann@example.com", "ann.b+shop@mail.example.co.uk", "o'neil@ex.ie",
                           "x@xn--bcher-kva.example", "jürgen@müller.de"}) {
    const std::string payload = json::serialize(json::object{{"email", good}});
    EXPECT_TRUE(errors_of(payload).empty()) << good;
  }
}

TEST(PayloadParser, LengthLimitsFromTheSpecCountCharacters) {
  const auto with = [](const char* key, std::size_t n, const char* unit = "a") {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s += unit;
    return json::serialize(json::object{{key, s}});
  };
  EXPECT_TRUE(errors_of(with("given_name", 40)).empty());
  EXPECT_EQ(errors_of(with("given_name", 41)),
            Errors{"payload.given_name: too long: 41 characters (at most 40)"});
  EXPECT_TRUE(errors_of(with("given_name", 40, "é")).empty()) << "characters, not bytes";
  EXPECT_EQ(errors_of(with("family_name", 41)),
            Errors{"payload.family_name: too long: 41 characters (at most 40)"});
  EXPECT_EQ(errors_of(with("middle_name", 101)),
            Errors{"payload.middle_name: too long: 101 characters (at most 100)"});
  EXPECT_EQ(errors_of(with("job_title", 256)),
            Errors{"payload.job_title: too long: 256 characters (at most 255)"});
  EXPECT_EQ(errors_of(with("website", 101)),
            Errors{"payload.website: too long: 101 characters (at most 100)"});
  const std::string local70(70, 'a');
  EXPECT_TRUE(errors_of(R"({"email": ")" + local70.substr(0, 63) + R"(@example.com"})").empty());
  EXPECT_EQ(errors_of(R"({"email": ")" + local70.substr(0, 64) + R"(@example.com"})"),
            Errors{"payload.email: too long: 76 characters (at most 75)"});
  EXPECT_TRUE(errors_of(R"({"email2": ")" + local70.substr(0, 64) + R"(@example.com"})").empty());
  EXPECT_EQ(errors_of(with("phone", 41, "1")),
            Errors{"payload.phone: too long: 41 characters (at most 40)"});
  EXPECT_EQ(errors_of(R"({"address": {"line1": ")" + std::string(76, 'x') + R"("}})"),
            Errors{"payload.address.line1: too long: 76 characters (at most 75)"});
  EXPECT_TRUE(
      errors_of(R"({"shipping_address": {"line1": ")" + std::string(100, 'x') + R"("}})").empty());
  EXPECT_EQ(errors_of(R"({"address": {"locality": ")" + std::string(51, 'x') + R"("}})"),
            Errors{"payload.address.locality: too long: 51 characters (at most 50)"});
  EXPECT_EQ(errors_of(R"({"address": {"postal_code": ")" + std::string(16, '1') + R"("}})"),
            Errors{"payload.address.postal_code: too long: 16 characters (at most 15)"});
  EXPECT_EQ(
      errors_of(R"({"shipping_address": {"postal_code": ")" + std::string(21, '1') + R"("}})"),
      Errors{"payload.shipping_address.postal_code: too long: 21 characters (at most 20)"});
  EXPECT_EQ(errors_of(R"({"custom_fields": {"9": ")" + std::string(65536, 'x') + R"("}})"),
            Errors{"payload.custom_fields.9: too long: 65536 characters (at most 65535)"});
  EXPECT_EQ(errors_of(R"({"tags_add": [")" + std::string(256, 't') + R"("]})"),
            Errors{"payload.tags_add[0]: too long: 256 characters (at most 255)"});
}

TEST(PayloadParser, LongValuesAreCutInMessages) {
  const std::string bad = std::string(70, 'a') + "@";
  EXPECT_EQ(errors_of(R"({"email2": ")" + bad + R"("})"),
            Errors{"payload.email2: \"" + std::string(60, 'a') +
                   "\"... is not an e-mail address (expected name@example.com)"});
}

TEST(PayloadParser, OneLineTextHasNoControlCharacters) {
  EXPECT_EQ(errors_of(R"({"given_name": "Ann\nSmith"})"),
            Errors{"payload.given_name: \"Ann\\nSmith\" contains a control character (expected "
                   "one line of text)"});
  EXPECT_EQ(errors_of(R"({"address": {"line1": "1 Main St\t"}})"),
            Errors{"payload.address.line1: \"1 Main St\\t\" contains a control character "
                   "(expected one line of text)"});
  EXPECT_EQ(errors_of(R"({"tags_add": ["VIP\r\n"]})"),
            Errors{"payload.tags_add[0]: \"VIP\\r\\n\" contains a control character (expected "
                   "one line of text)"});
  EXPECT_TRUE(errors_of(R"({"custom_fields": {"3": "line 1\nline 2"}})").empty())
      << "custom text areas may hold several lines";
}

TEST(PayloadParser, BirthDateMustBeARealDate) {
  EXPECT_EQ(errors_of(R"({"birth_date": "1990-13-01"})"),
            Errors{"payload.birth_date: \"1990-13-01\" is not a date (YYYY-MM-DD)"});
  for (const char* bad : {"1990-02-30", "1900-02-29", "1990-1-01", "01/02/1990", "1990-00-10",
                          "1990-04-31", "0000-01-01", "1990-01-01T00:00:00Z"}) {
    EXPECT_EQ(errors_of(json::serialize(json::object{{"birth_date", bad}})),
              Errors{"payload.birth_date: " + json::serialize(json::value(bad)) +
                     " is not a date (YYYY-MM-DD)"})
        << bad;
  }
  EXPECT_TRUE(errors_of(R"({"birth_date": "2000-02-29"})").empty());
  EXPECT_TRUE(errors_of(R"({"birth_date": "1985-12-31"})").empty());
}

TEST(PayloadParser, PhoneNumbers) {
  EXPECT_EQ(errors_of(R"({"phone": "call me"})"),
            Errors{"payload.phone: \"call me\" is not a phone number (expected digits, spaces and "
                   "+ - ( ) . / x)"});
  EXPECT_EQ(errors_of(R"j({"phone2": "+-()"})j"),
            Errors{"payload.phone2: \"+-()\" is not a phone number (expected digits, spaces and + "
                   "- ( ) . / x)"});
  EXPECT_EQ(errors_of(R"({"phone": 5551234})"),
            Errors{"payload.phone: expected a string or null, got a number"});
}

TEST(PayloadParser, CountryCodesAreIsoAlpha3) {
  EXPECT_EQ(errors_of(R"({"address": {"country_code": "US"}})"),
            Errors{"payload.address.country_code: \"US\" is not an ISO 3166 alpha-3 code (did you "
                   "mean \"USA\"?)"});
  EXPECT_EQ(errors_of(R"({"shipping_address": {"country_code": "deu"}})"),
            Errors{"payload.shipping_address.country_code: \"deu\" is not an ISO 3166 alpha-3 "
                   "code (did you mean \"DEU\"?)"});
  EXPECT_EQ(errors_of(R"({"address": {"country_code": "XYZ"}})"),
            Errors{"payload.address.country_code: \"XYZ\" is not an ISO 3166 alpha-3 code "
                   "(expected a code such as \"USA\", \"DEU\", \"FRA\")"});
  EXPECT_EQ(errors_of(R"({"address": {"country_code": "United States"}})"),
            Errors{"payload.address.country_code: \"United States\" is not an ISO 3166 alpha-3 "
                   "code (expected a code such as \"USA\", \"DEU\", \"FRA\")"});
  for (const char* ok : {"USA", "CAN", "GBR", "DEU", "ABW", "ZWE", "ALA", "SSD"}) {
    EXPECT_TRUE(errors_of(std::string(R"({"address": {"country_code": ")") + ok + "\"}}").empty())
        << ok;
  }
}

TEST(PayloadParser, RegionCodesAreIso31662AndMatchTheCountry) {
  EXPECT_EQ(errors_of(R"({"address": {"region_code": "AZ", "country_code": "USA"}})"),
            Errors{"payload.address.region_code: \"AZ\" is not an ISO 3166-2 subdivision code "
                   "(expected e.g. \"US-AZ\")"});
  EXPECT_EQ(errors_of(R"({"address": {"region_code": "Arizona"}})"),
            Errors{"payload.address.region_code: \"Arizona\" is not an ISO 3166-2 subdivision "
                   "code (expected e.g. \"US-AZ\")"});
  EXPECT_EQ(errors_of(R"({"address": {"region_code": "US-AZ", "country_code": "CAN"}})"),
            Errors{"payload.address.region_code: \"US-AZ\" is not in country_code \"CAN\" "
                   "(expected a code starting with \"CA-\")"});
  for (const char* ok : {"US-AZ", "GB-ENG", "FR-75", "CA-QC", "DE-BY"}) {
    EXPECT_TRUE(errors_of(std::string(R"({"address": {"region_code": ")") + ok + "\"}}").empty())
        << ok;
  }
}

TEST(PayloadParser, CustomFieldIdsAreNumeric) {
  EXPECT_EQ(errors_of(R"({"custom_fields": {"abc": "x"}})"),
            Errors{"payload.custom_fields.abc: \"abc\" is not a custom field id (expected a "
                   "positive integer such as \"12\")"});
  EXPECT_EQ(errors_of(R"({"custom_fields": {"012": "x", "-3": "y", "": 1}})"),
            (Errors{"payload.custom_fields.012: \"012\" is not a custom field id (expected a "
                    "positive integer such as \"12\")",
                    "payload.custom_fields.-3: \"-3\" is not a custom field id (expected a "
                    "positive integer such as \"12\")",
                    "payload.custom_fields.: \"\" is not a custom field id (expected a positive "
                    "integer such as \"12\")"}));
}

TEST(PayloadParser, TagsAreIdsOrNames) {
  EXPECT_EQ(errors_of(R"({"tags_add": [0, -4, 1.5, "", "  "]})"),
            (Errors{"payload.tags_add[0]: 0 is not a tag id (expected a positive integer, or a "
                    "name)",
                    "payload.tags_add[1]: -4 is not a tag id (expected a positive integer, or a "
                    "name)",
                    "payload.tags_add[2]: 1.5 is not a tag id (expected a positive integer, or "
                    "a name)",
                    "payload.tags_add[3]: \"\" is not a tag name (expected a non-empty name, or "
                    "an id)",
                    "payload.tags_add[4]: \"  \" is not a tag name (expected a non-empty name, or "
                    "an id)"}));
  EXPECT_EQ(errors_of(R"({"tags_add": ["VIP", 3], "tags_remove": [3]})"),
            Errors{"payload.tags_remove[0]: 3 is also in tags_add (a payload cannot add and "
                   "remove the same tag)"});
  EXPECT_EQ(errors_of(R"({"tags_add": ["VIP"], "tags_remove": ["VIP"]})"),
            Errors{"payload.tags_remove[0]: \"VIP\" is also in tags_add (a payload cannot add "
                   "and remove the same tag)"});
  // A numeric string is a name, duplicates collapse.
  const ContactChange c = parse_ok(R"({"tags_add": ["123", 123, 123, "123"]})");
  EXPECT_EQ(c.tags_add, (std::vector<TagRef>{TagRef::by_name("123"), TagRef::by_id(123)}));
}

TEST(PayloadParser, OptInReason) {
  EXPECT_EQ(errors_of(R"({"opt_in_reason": null})"),
            Errors{"payload.opt_in_reason: expected a non-empty string, got null (to withdraw an "
                   "opt-in, send an opt_out row; leave the key out)"});
  EXPECT_EQ(errors_of(R"({"opt_in_reason": ""})"),
            Errors{"payload.opt_in_reason: expected a non-empty string, got \"\""});
  EXPECT_EQ(errors_of(R"({"opt_in_reason": 1})"),
            Errors{"payload.opt_in_reason: expected a non-empty string, got a number"});
  EXPECT_EQ(errors_of(R"({"email": null, "opt_in_reason": "form"})"),
            Errors{"payload.opt_in_reason: cannot opt in: this payload clears email (EMAIL1)"});
}

TEST(PayloadParser, KeapRawFieldsAreCheckedAgainstTheSpecNames) {
  EXPECT_EQ(errors_of(R"({"keap": {"given_nmae": "x"}})"),
            Errors{"payload.keap.given_nmae: not a field of Keap's CreateUpdateContactRequest "
                   "(did you mean \"given_name\"?)"});
  EXPECT_EQ(errors_of(R"({"keap": {"tag_ids": ["1"]}})").size(), 1u) << "tag_ids is response-only";
  EXPECT_EQ(errors_of(R"({"keap": {"company": "Acme"}})"),
            Errors{"payload.keap.company: expected an object, got a string"});
  EXPECT_EQ(errors_of(R"({"keap": {"fax_numbers": {}}})"),
            Errors{"payload.keap.fax_numbers: expected an array, got an object"});
  EXPECT_EQ(errors_of(R"({"keap": {"prefix": null}})"),
            Errors{"payload.keap.prefix: expected a string, got null"});
}

// The JSON text of an object with `n` keys "1".."n" (custom field ids) set to "x".
std::string numbered_fields(int n) {
  std::string out = "{";
  for (int i = 1; i <= n; ++i)
    out += (i > 1 ? ",\"" : "\"") + std::to_string(i) + "\":\"x\"";
  return out + "}";
}

// parse_row's errors as text, "" when the row is valid.
std::string row_errors(std::string_view op, std::optional<std::string_view> text) {
  auto parsed = parse_row(op, text);
  auto* errors = std::get_if<std::vector<PayloadError>>(&parsed);
  return errors ? join_errors(*errors) : "";
}

TEST(PayloadParser, TagListsAreCappedWithOneErrorNamingTheLimit) {
  std::string hundred = "[", many = "[";
  for (int i = 1; i <= 10000; ++i) {
    if (i <= 100) hundred += (i > 1 ? "," : "") + std::to_string(i);
    many += (i > 1 ? "," : "") + std::to_string(i);
  }
  hundred += "]";
  many += "]";
  EXPECT_EQ(parse_ok(R"({"tags_add": )" + hundred + "}").tags_add.size(), 100u);
  EXPECT_EQ(errors_of(R"({"tags_add": )" + many + "}"),
            Errors{"payload.tags_add: too many tags: 10000 (at most 100)"});
  EXPECT_EQ(errors_of(R"({"tags_remove": )" + many + "}"),
            Errors{"payload.tags_remove: too many tags: 10000 (at most 100)"});
}

TEST(PayloadParser, CustomFieldsAreCappedWithOneErrorNamingTheLimit) {
  EXPECT_EQ(parse_ok(R"({"custom_fields": )" + numbered_fields(100) + "}").custom_fields.size(),
            100u);
  EXPECT_EQ(errors_of(R"({"custom_fields": )" + numbered_fields(10000) + "}"),
            Errors{"payload.custom_fields: too many fields: 10000 (at most 100)"});
}

TEST(PayloadParser, AnOverlongKeyIsCutInTheErrorWithItsLength) {
  const std::string key = std::string(63, 'k') + "\xC3\xA9" + std::string(300, 'z');  // é: 64th
  const std::string shown = std::string(63, 'k') + "\xC3\xA9...(a key of 364 characters)";
  const auto first_error = [](const std::string& text) {
    const auto errors = errors_of(text);
    return errors.empty() ? std::string() : errors[0];
  };
  EXPECT_TRUE(first_error(R"({")" + key + R"(": 1})")
                  .starts_with("payload." + shown + ": unknown key (expected one of: email,"));
  EXPECT_TRUE(first_error(R"({"address": {")" + key + R"(": 1}})")
                  .starts_with("payload.address." + shown + ": unknown key"));
  EXPECT_TRUE(first_error(R"({"keap": {")" + key + R"(": "x"}})")
                  .starts_with("payload.keap." + shown + ": not a field"));
  EXPECT_TRUE(first_error(R"({"custom_fields": {")" + key + R"(": 1}})")
                  .starts_with("payload.custom_fields." + shown + ": "));
  const std::string exact(64, 'k');  // at the limit: named whole
  EXPECT_TRUE(first_error(R"({")" + exact + R"(": 1})").starts_with("payload." + exact + ": "));
}

TEST(PayloadParser, ParseRowRefusesDeepNestingBeforeParsingAndNamesTheDepth) {
  // Level 1 is the payload; keap > field > array > object > array > object: 8 levels.
  const std::string eight = R"({"keap": {"addresses": [{"x": [{"y": [{}]}]}]}})";
  EXPECT_EQ(row_errors("upsert", eight).find("nested"), std::string::npos);
  EXPECT_EQ(row_errors("upsert", R"({"keap": {"addresses": [{"x": [{"y": [{"z": []}]}]}]}})"),
            "payload: nested too deep: 9 levels (at most 8)");
  EXPECT_EQ(row_errors("upsert",
                       R"({"given_name": )" + std::string(40, '[') + std::string(40, ']') + "}"),
            "payload: nested too deep: 41 levels (at most 8)");
  // Brackets inside strings (escaped quotes too) are text, not nesting.
  EXPECT_EQ(row_errors("upsert", R"({"given_name": "[[[[[[[[[[\"[[[[[[[[["})"), "");
  EXPECT_EQ(row_errors("upsert", R"({"given_name": "Ann")"),
            "payload: not readable as JSON (incomplete JSON)");
  EXPECT_EQ(row_errors("delete", std::nullopt), "");
}

TEST(PayloadParser, ParseChangeChecksTheOp) {
  auto del = parse_change("delete", json::value(nullptr));
  ASSERT_TRUE(std::holds_alternative<PendingChange>(del));
  EXPECT_EQ(std::get<PendingChange>(del), PendingChange::remove());
  EXPECT_TRUE(std::holds_alternative<PendingChange>(parse_change("delete", json::object{})));
  auto del_with_payload = parse_change("delete", json::parse(R"({"email":"a@b.co"})"));
  ASSERT_TRUE(std::holds_alternative<std::vector<PayloadError>>(del_with_payload));
  EXPECT_EQ(join_errors(std::get<std::vector<PayloadError>>(del_with_payload)),
            "payload: a delete takes no payload (expected null or {}, got an object)");
  auto bad_op = parse_change("update", json::object{});
  ASSERT_TRUE(std::holds_alternative<std::vector<PayloadError>>(bad_op));
  EXPECT_EQ(join_errors(std::get<std::vector<PayloadError>>(bad_op)),
            "op: \"update\" is not an operation (expected \"upsert\", \"delete\", \"goal\", "
            "\"opt_out\" or \"opt_in\")");
  auto up = parse_change("upsert", json::parse(R"({"email":"a@b.co"})"));
  ASSERT_TRUE(std::holds_alternative<PendingChange>(up));
  EXPECT_EQ(std::get<PendingChange>(up).op, PendingChange::Op::upsert);
  EXPECT_EQ(std::get<PendingChange>(up).change.email.value(), "a@b.co");
  auto up_bad = parse_change("upsert", json::parse(R"({"emali":"a@b.co"})"));
  ASSERT_TRUE(std::holds_alternative<std::vector<PayloadError>>(up_bad));
}

}  // namespace
}  // namespace keapsync::keap
