// Mapping a ContactChange to Keap v2 requests: every key, PATCH masks, list merges, tag calls.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <stdexcept>
#include <vector>

#include "keap/coalesce.hpp"
#include "keap/contact_requests.hpp"
#include "keap/payload_parser.hpp"
#include "keap/tag_requests.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

ContactChange change(std::string_view text) {
  auto parsed = parse_payload(json::parse(text));
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) {
    ADD_FAILURE() << join_errors(*errors);
    return {};
  }
  return std::get<ContactChange>(parsed);
}

json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

KeapRequest create(std::string_view payload) {
  MappingResult r = map_create(change(payload));
  EXPECT_TRUE(r.ok()) << join_errors(r.errors);
  return r.request.value_or(KeapRequest{});
}

KeapRequest update(std::string_view payload, std::string_view current = "{}") {
  MappingResult r = map_update(change(payload), "42", obj(current));
  EXPECT_TRUE(r.ok()) << join_errors(r.errors);
  EXPECT_TRUE(r.request.has_value());
  return r.request.value_or(KeapRequest{});
}

Strings error_texts(const MappingResult& r) {
  Strings out;
  for (const auto& e : r.errors)
    out.push_back(e.text());
  return out;
}

Strings keys_of(const json::object& o) {
  Strings out;
  for (const auto& kv : o)
    out.emplace_back(kv.key());
  return out;
}

// A contact as GET /rest/v2/contacts/42 returns it, with response-only properties.
constexpr std::string_view kCurrent = R"({
  "id": "42", "given_name": "Ann", "tag_ids": ["1"],
  "email_addresses": [
    {"email": "ann@old.example", "field": "EMAIL1", "is_opt_in": true,
     "email_opt_status": "SINGLE_OPT_IN", "opt_in_reason": "2019 form"},
    {"email": "ann@work.example", "field": "EMAIL2", "is_opt_in": false,
     "email_opt_status": "NON_MARKETABLE"}],
  "phone_numbers": [
    {"number": "555-0001", "extension": "12", "type": "Work", "field": "PHONE1",
     "number_e164": "+15550001"},
    {"number": "555-0003", "type": "Mobile", "field": "PHONE3"}],
  "addresses": [
    {"field": "BILLING", "line1": "1 Main St", "line2": "Apt 2", "locality": "Phoenix",
     "region": "Arizona", "region_code": "US-AZ", "country": "United States",
     "country_code": "USA", "postal_code": "85001", "zip_code": "85001", "zip_four": "1234"},
    {"field": "SHIPPING", "line1": "7 Dock Rd", "locality": "Tucson", "region": "Arizona",
     "country": "United States", "country_code": "USA", "postal_code": "85701"}],
  "custom_fields": [{"id": "1", "content": "gold"}, {"id": "2", "content": null},
                    {"id": "3", "content": 5}]
})";

TEST(ContactRequests, CreateMapsEveryKey) {
  const KeapRequest r = create(R"({
    "email": "ann@example.com", "email2": "ann@work.example", "email3": "ann@home.example",
    "given_name": "Ann", "middle_name": "B", "family_name": "Smith", "job_title": "CTO",
    "website": "https://ann.example", "birth_date": "1985-03-15",
    "phone": "555-0101", "phone2": "555-0102",
    "address": {"line1": "1 Main St", "line2": "Apt 2", "locality": "Phoenix",
                "region_code": "US-AZ", "postal_code": "85001", "country_code": "USA"},
    "shipping_address": {"line1": "7 Dock Rd", "locality": "Hamburg", "country_code": "DEU",
                         "postal_code": "20457"},
    "opt_in_reason": "Checkout consent box",
    "custom_fields": {"12": "gold", "7": 3, "9": true},
    "tags_add": [5], "tags_remove": ["Lead"],
    "keap": {"prefix": "Dr.", "source_type": "API"}
  })");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/rest/v2/contacts?duplicate_option=Email");
  EXPECT_TRUE(r.update_mask.empty());
  EXPECT_EQ(json::value(r.body.value()), json::parse(R"({
    "given_name": "Ann", "middle_name": "B", "family_name": "Smith", "job_title": "CTO",
    "website": "https://ann.example", "birth_date": "1985-03-15",
    "email_addresses": [
      {"email": "ann@example.com", "field": "EMAIL1", "opt_in_reason": "Checkout consent box"},
      {"email": "ann@work.example", "field": "EMAIL2"},
      {"email": "ann@home.example", "field": "EMAIL3"}],
    "phone_numbers": [{"number": "555-0101", "field": "PHONE1"},
                      {"number": "555-0102", "field": "PHONE2"}],
    "addresses": [
      {"field": "BILLING", "line1": "1 Main St", "line2": "Apt 2", "locality": "Phoenix",
       "region_code": "US-AZ", "postal_code": "85001", "country_code": "USA"},
      {"field": "SHIPPING", "line1": "7 Dock Rd", "locality": "Hamburg",
       "postal_code": "20457", "country_code": "DEU"}],
    "custom_fields": [{"id": "12", "content": "gold"}, {"id": "7", "content": 3},
                      {"id": "9", "content": true}],
    "prefix": "Dr.", "source_type": "API"
  })"));
}

TEST(ContactRequests, CreateLeavesNullsOut) {
  const KeapRequest r = create(
      R"({"email": "a@b.co", "given_name": null, "phone": null, "shipping_address": null,
          "address": {"line1": "x", "line2": null}, "custom_fields": {"4": null}})");
  EXPECT_EQ(json::value(r.body.value()), json::parse(R"({
    "email_addresses": [{"email": "a@b.co", "field": "EMAIL1"}],
    "addresses": [{"field": "BILLING", "line1": "x"}]})"));
}

TEST(ContactRequests, CreateNeedsAnEmailPhoneOrAddress) {
  const std::string rule =
      "payload: a new contact needs email, email2, email3, phone, phone2, address or "
      "shipping_address (Keap requires an e-mail, phone or address entry)";
  EXPECT_EQ(error_texts(map_create(change(R"({"given_name": "Ann"})"))), Strings{rule});
  EXPECT_EQ(error_texts(map_create(change(R"({"email": null, "address": {}})"))), Strings{rule});
  EXPECT_EQ(error_texts(map_create(change(R"({"tags_add": [1]})"))), Strings{rule});
  EXPECT_TRUE(map_create(change(R"({"phone": "555"})")).ok());
  EXPECT_TRUE(map_create(change(R"({"shipping_address": {"locality": "Bonn"}})")).ok());
  EXPECT_TRUE(map_create(change(R"({"email3": "a@b.co"})")).ok());
  EXPECT_TRUE(
      map_create(change(R"({"keap": {"phone_numbers": [{"number": "1", "field": "PHONE1"}]}})"))
          .ok());
  EXPECT_FALSE(map_create(change(R"({"keap": {"phone_numbers": []}})")).ok());
}

TEST(ContactRequests, CreateRules) {
  EXPECT_EQ(
      error_texts(map_create(change(R"({"phone": "1", "opt_in_reason": "form"})"))),
      Strings{
          "payload.opt_in_reason: a new contact needs \"email\" to opt in (opt-in is for EMAIL1)"});
  EXPECT_EQ(error_texts(map_create(change(R"({"address": {"region_code": "US-AZ"}})"))),
            Strings{"payload.address.region_code: needs a country_code (Keap requires "
                    "country_code with a region)"});
}

TEST(ContactRequests, KeapRawFieldsAreMergedLast) {
  const KeapRequest c = create(R"({"email": "a@b.co", "given_name": "Ann",
                                   "keap": {"given_name": "Annie", "owner_id": "9"}})");
  EXPECT_EQ(c.body->at("given_name"), "Annie");
  EXPECT_EQ(c.body->at("owner_id"), "9");
  const KeapRequest u = update(R"({"given_name": "Ann", "keap": {"time_zone": "Europe/Berlin",
                                   "given_name": "Annie"}})");
  EXPECT_EQ(u.update_mask, (Strings{"given_name", "time_zone"}));
  EXPECT_EQ(json::value(*u.body),
            json::parse(R"({"given_name": "Annie", "time_zone": "Europe/Berlin"})"));
}

TEST(ContactRequests, UpdateScalarsNeedNoGetAndClearWithEmptyString) {
  const ContactChange c = change(
      R"({"given_name": "Ann", "family_name": null, "job_title": "CTO", "birth_date": null,
          "website": "https://x.example", "middle_name": null})");
  EXPECT_TRUE(fields_to_fetch(c).empty());
  const MappingResult r = map_update(c, "42", json::object{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request->method, "PATCH");
  EXPECT_EQ(json::value(*r.request->body), json::parse(R"({"given_name": "Ann",
    "middle_name": "", "family_name": "", "job_title": "CTO", "website": "https://x.example",
    "birth_date": ""})"));
  EXPECT_EQ(r.request->update_mask, (Strings{"given_name", "middle_name", "family_name",
                                             "job_title", "website", "birth_date"}));
  EXPECT_EQ(r.request->target,
            "/rest/v2/contacts/42?update_mask=given_name&update_mask=middle_name&update_mask="
            "family_name&update_mask=job_title&update_mask=website&update_mask=birth_date");
}

TEST(ContactRequests, UpdateMaskNamesExactlyTheFieldsSent) {
  for (const char* payload :
       {R"({"given_name": "A"})", R"({"email": "x@y.co"})", R"({"phone2": null})",
        R"({"shipping_address": {"line1": "x"}})", R"({"custom_fields": {"3": "q"}})",
        R"({"opt_in_reason": "form"})", R"({"keap": {"company": {"id": "3"}}})",
        R"({"email": "x@y.co", "phone": "1", "address": null, "custom_fields": {"1": null},
            "family_name": "F", "keap": {"origin": {"ip_address": "192.0.2.1"}}})"}) {
    const KeapRequest r = update(payload, kCurrent);
    EXPECT_EQ(r.update_mask, keys_of(*r.body)) << payload;
    std::string expected_target = "/rest/v2/contacts/42";
    for (std::size_t i = 0; i < r.update_mask.size(); ++i) {
      expected_target += (i == 0 ? "?" : "&") + std::string("update_mask=") + r.update_mask[i];
    }
    EXPECT_EQ(r.target, expected_target) << payload;
  }
  EXPECT_EQ(
      update(R"({"email": "x@y.co", "phone": "1", "address": null,
                       "custom_fields": {"1": null}, "family_name": "F"})",
             kCurrent)
          .update_mask,
      (Strings{"family_name", "email_addresses", "phone_numbers", "addresses", "custom_fields"}));
}

TEST(ContactRequests, FieldsToFetchNamesOnlyTheListsTouched) {
  EXPECT_EQ(fields_to_fetch(change(R"({"email2": "a@b.co"})")), Strings{"email_addresses"});
  EXPECT_EQ(fields_to_fetch(change(R"({"opt_in_reason": "form"})")), Strings{"email_addresses"});
  EXPECT_EQ(fields_to_fetch(change(R"({"phone": null, "shipping_address": {"line1": "x"},
                                       "custom_fields": {"5": 1}, "given_name": "A"})")),
            (Strings{"phone_numbers", "addresses", "custom_fields"}));
  EXPECT_EQ(fields_to_fetch(change(R"({"phone": "1", "keap": {"phone_numbers": []}})")), Strings{})
      << "a raw keap list replaces the mapped one, so there is nothing to merge";
  EXPECT_TRUE(fields_to_fetch(change(R"({"tags_add": [1], "given_name": "A"})")).empty());
}

TEST(ContactRequests, UpdateEmailKeepsTheOtherSlots) {
  const KeapRequest r = update(R"({"email": "ann@new.example"})", kCurrent);
  EXPECT_EQ(r.update_mask, Strings{"email_addresses"});
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"email_addresses": [
      {"email": "ann@new.example", "field": "EMAIL1"},
      {"email": "ann@work.example", "field": "EMAIL2"}]})"))
      << "EMAIL2 is kept; response-only properties and old opt-in reasons are not sent back";
}

TEST(ContactRequests, UpdateEmailNullRemovesOnlyThatSlot) {
  const KeapRequest r = update(R"({"email2": null, "email3": "c@d.co"})", kCurrent);
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"email_addresses": [
      {"email": "ann@old.example", "field": "EMAIL1"},
      {"email": "c@d.co", "field": "EMAIL3"}]})"));
  const KeapRequest all_gone = update(R"({"email": null, "email2": null})", kCurrent);
  EXPECT_EQ(json::value(*all_gone.body), json::parse(R"({"email_addresses": []})"))
      << "an empty array is how Keap removes the last entry";
}

TEST(ContactRequests, OptInGoesInsideTheEmail1Entry) {
  const KeapRequest r = update(R"({"opt_in_reason": "Newsletter box"})", kCurrent);
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"email_addresses": [
      {"email": "ann@old.example", "field": "EMAIL1", "opt_in_reason": "Newsletter box"},
      {"email": "ann@work.example", "field": "EMAIL2"}]})"));
  const KeapRequest with_new =
      update(R"({"email": "n@e.co", "opt_in_reason": "Checkout"})", R"({})");
  EXPECT_EQ(json::value(*with_new.body), json::parse(R"({"email_addresses": [
      {"email": "n@e.co", "field": "EMAIL1", "opt_in_reason": "Checkout"}]})"));
  const MappingResult none =
      map_update(change(R"({"opt_in_reason": "x"})"), "42", obj(R"({"email_addresses": [
      {"email": "w@e.co", "field": "EMAIL2"}]})"));
  EXPECT_EQ(error_texts(none),
            Strings{"payload.opt_in_reason: the contact has no e-mail (EMAIL1) to opt in"});
  EXPECT_FALSE(none.request);
}

TEST(ContactRequests, UpdatePhoneKeepsOtherSlotsAndTheSlotType) {
  const KeapRequest r = update(R"({"phone": "555-0100", "phone2": "555-0200"})", kCurrent);
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"phone_numbers": [
      {"number": "555-0100", "field": "PHONE1", "type": "Work"},
      {"number": "555-0200", "field": "PHONE2"},
      {"number": "555-0003", "type": "Mobile", "field": "PHONE3"}]})"))
      << "PHONE1 keeps its type but not the old extension and E.164 form";
  const KeapRequest cleared = update(R"({"phone": null})", kCurrent);
  EXPECT_EQ(json::value(*cleared.body), json::parse(R"({"phone_numbers": [
      {"number": "555-0003", "type": "Mobile", "field": "PHONE3"}]})"));
}

TEST(ContactRequests, UpdateAddressMergesPerFieldAndKeepsTheOtherSlot) {
  const KeapRequest r = update(R"({"address": {"line1": "9 Elm St", "line2": null}})", kCurrent);
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"addresses": [
      {"field": "BILLING", "line1": "9 Elm St", "locality": "Phoenix", "region_code": "US-AZ",
       "country_code": "USA", "postal_code": "85001", "zip_code": "85001", "zip_four": "1234"},
      {"field": "SHIPPING", "line1": "7 Dock Rd", "locality": "Tucson", "country_code": "USA",
       "postal_code": "85701", "region": "Arizona"}]})"))
      << "untouched fields and the SHIPPING slot survive; long names are not written back, "
         "except a region that has no region_code";
}

TEST(ContactRequests, UpdateAddressPostalCodeReplacesStaleZip) {
  const KeapRequest r = update(R"({"address": {"postal_code": "85004"}})", kCurrent);
  const auto& billing = r.body->at("addresses").as_array()[0].as_object();
  EXPECT_EQ(billing.at("postal_code"), "85004");
  EXPECT_FALSE(billing.contains("zip_code"));
  EXPECT_FALSE(billing.contains("zip_four"));
}

TEST(ContactRequests, UpdateAddressNullRemovesTheSlot) {
  const KeapRequest r = update(R"({"shipping_address": null})", kCurrent);
  const auto& list = r.body->at("addresses").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("field"), "BILLING");
  EXPECT_EQ(list[0].at("line2"), "Apt 2");
}

TEST(ContactRequests, UpdateAddressRebuiltAfterNullKeepsNothingOld) {
  const std::vector rows{
      PendingChange::upsert(change(R"({"address": null})")),
      PendingChange::upsert(change(R"({"address": {"line1": "New 1", "country_code": "CAN"}})"))};
  const ContactPlan plan = coalesce(rows);
  const MappingResult r = map_update(*plan.upsert, "42", obj(kCurrent));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request->body->at("addresses").as_array()[0],
            json::parse(R"({"field": "BILLING", "line1": "New 1", "country_code": "CAN"})"));
}

TEST(ContactRequests, UpdateAddressRegionNeedsACountry) {
  const MappingResult r = map_update(change(R"({"shipping_address": {"region_code": "US-AZ",
      "country_code": null}})"),
                                     "42", obj(kCurrent));
  EXPECT_EQ(error_texts(r), Strings{"payload.shipping_address.region_code: needs a country_code "
                                    "(Keap requires country_code with a region)"});
}

TEST(ContactRequests, UpdateNewAddressSlotWhenNoneExists) {
  const KeapRequest r = update(R"({"shipping_address": {"line1": "x"}})", R"({"addresses": []})");
  EXPECT_EQ(json::value(*r.body),
            json::parse(R"({"addresses": [{"field": "SHIPPING", "line1": "x"}]})"));
}

TEST(ContactRequests, UpdateCustomFieldsMergePerId) {
  const KeapRequest r =
      update(R"({"custom_fields": {"2": "silver", "3": null, "8": false}})", kCurrent);
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"custom_fields": [
      {"id": "1", "content": "gold"}, {"id": "2", "content": "silver"},
      {"id": "8", "content": false}]})"));
}

TEST(ContactRequests, MissingCurrentListCountsAsEmpty) {
  const KeapRequest r = update(R"({"email2": "b@c.co", "custom_fields": {"4": "x"}})", "{}");
  EXPECT_EQ(json::value(*r.body), json::parse(R"({
      "email_addresses": [{"email": "b@c.co", "field": "EMAIL2"}],
      "custom_fields": [{"id": "4", "content": "x"}]})"));
}

TEST(ContactRequests, TagsOnlyChangeSendsNoPatch) {
  const MappingResult r = map_update(change(R"({"tags_add": [1]})"), "42", json::object{});
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.request);
}

TEST(ContactRequests, ContactIdsMustBeDecimal) {
  EXPECT_THROW(map_update(change(R"({"given_name": "A"})"), "4/2", json::object{}),
               std::invalid_argument);
  EXPECT_THROW(get_contact_request("", {}), std::invalid_argument);
  EXPECT_THROW(delete_contact_request("1 OR 1"), std::invalid_argument);
  const std::vector<std::string> bad{"5", "x"};
  EXPECT_THROW(tag_contacts_request(TagAction::apply, 5, bad), std::invalid_argument);
  const std::vector<std::string> good{"5"};
  EXPECT_THROW(tag_contacts_request(TagAction::apply, 0, good), std::invalid_argument);
  EXPECT_THROW(tag_contacts_request(TagAction::remove, 5, {}), std::invalid_argument);
}

TEST(ContactRequests, GetAndDelete) {
  EXPECT_EQ(get_contact_request("42", {"email_addresses", "addresses"}),
            (KeapRequest{"GET", "/rest/v2/contacts/42?fields=email_addresses,addresses", {}, {}}));
  EXPECT_EQ(get_contact_request("42", {}).target, "/rest/v2/contacts/42");
  EXPECT_EQ(delete_contact_request("42"), (KeapRequest{"DELETE", "/rest/v2/contacts/42", {}, {}}));
}

TEST(TagRequests, ApplyRemoveFindCreate) {
  // Many contacts in one call; the spec wants the ids unique.
  const std::vector<std::string> ids{"42", "7", "42", "9"};
  const KeapRequest apply = tag_contacts_request(TagAction::apply, 5, ids);
  EXPECT_EQ(apply.method, "POST");
  EXPECT_EQ(apply.target, "/rest/v2/tags/5/contacts:applyTags");
  EXPECT_EQ(json::value(*apply.body), json::parse(R"({"contact_ids": ["42", "7", "9"]})"));
  const KeapRequest remove = tag_contacts_request(TagAction::remove, 7, std::span(ids).first(1));
  EXPECT_EQ(remove.target, "/rest/v2/tags/7/contacts:removeTags");
  EXPECT_EQ(json::value(*remove.body), json::parse(R"({"contact_ids": ["42"]})"));
  EXPECT_EQ(find_tag_request("VIP buyer; 2024/ä").target,
            "/rest/v2/tags?filter=name%3D%3DVIP%20buyer%3B%202024%2F%C3%A4");
  EXPECT_EQ(create_tag_request("VIP"),
            (KeapRequest{"POST", "/rest/v2/tags", json::object{{"name", "VIP"}}, {}}));
}

}  // namespace
}  // namespace keapsync::keap
