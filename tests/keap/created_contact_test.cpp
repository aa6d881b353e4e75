// Finding the contact an unsettled create of a phone-only contact may have made.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "keap/contact_requests.hpp"
#include "keap/created_contact.hpp"
#include "keap/payload_parser.hpp"

namespace keapsync::keap {
namespace {

KeapRequest create_of(std::string_view payload) {
  auto parsed = parse_change("upsert", boost::json::parse(payload));
  auto mapped = map_create(std::get<PendingChange>(parsed).change);
  EXPECT_TRUE(mapped.ok());
  return mapped.request.value_or(KeapRequest{});
}

TEST(CreatedContact, OnlyACreateWithoutAnEmailNeedsLookingFor) {
  EXPECT_TRUE(matched_by_email(create_of(R"({"email":"a@b.co","phone":"+1 555"})")));
  EXPECT_TRUE(matched_by_email(create_of(R"({"email2":"a@b.co"})")));
  EXPECT_FALSE(matched_by_email(create_of(R"({"phone":"+1 555","given_name":"Pat"})")));
}

TEST(CreatedContact, TheSearchIsForTheFirstPhoneInItsFieldSinceTheNote) {
  const auto search =
      find_created_request(create_of(R"({"phone2":"+1 555 0100"})"), "2026-12-03T06:00:00Z");
  ASSERT_TRUE(search);
  EXPECT_EQ(search->method, "GET");
  EXPECT_EQ(search->target,
            "/rest/v2/contacts?filter=phone_number%3D%3D%2B1%20555%200100%3Bphone_fields%3D%3D"
            "PHONE2%3Bstart_update_time%3D%3D2026-12-03T06%3A00%3A00Z"
            "&fields=given_name,family_name,phone_numbers");
  EXPECT_FALSE(find_created_request(
      create_of(R"({"address":{"line1":"1 Main St","country_code":"USA"}})"), "2026"));
}

TEST(CreatedContact, TheNewestContactWithTheSameNamesIsTheOneCreated) {
  const auto create = create_of(R"({"phone":"+1 555","given_name":"Pat"})");
  const auto answer = boost::json::parse(R"({"contacts":[
      {"id":"9","given_name":"Pat","family_name":"Lee"},
      {"id":"12","given_name":"Pat"},
      {"id":"100","given_name":"Pat"},
      {"id":"200","given_name":"Sam"},
      {"id":"x7","given_name":"Pat"}]})");
  EXPECT_EQ(created_contact_id(answer, create), "100");
  EXPECT_EQ(created_contact_id(boost::json::parse(R"({"contacts":[]})"), create), std::nullopt);
  EXPECT_EQ(created_contact_id(
                boost::json::parse(R"({"contacts":[{"id":"5","given_name":"Sam"}]})"), create),
            std::nullopt);
}

TEST(CreatedContact, IdsAreDecimalDigitsOnly) {
  EXPECT_EQ(contact_id_of(boost::json::parse(R"({"id":"42"})")), "42");
  EXPECT_EQ(contact_id_of(boost::json::parse(R"({"id":42})")), "42");
  EXPECT_EQ(contact_id_of(boost::json::parse(R"({"id":"4/2"})")), std::nullopt);
  EXPECT_EQ(contact_id_of(boost::json::parse(R"({"id":-1})")), std::nullopt);
  EXPECT_EQ(contact_id_of(boost::json::parse(R"({"id":""})")), std::nullopt);
  EXPECT_EQ(contact_id_of(boost::json::parse(R"([])")), std::nullopt);
}

}  // namespace
}  // namespace keapsync::keap
