// v2 contacts and tags in the sandbox: create / upsert with duplicate_option,
// PATCH with update_mask, get, delete, list filters, tags, and validation.
#include "router_fixture.hpp"

namespace keapsync::sandbox::test {
namespace {

// The spike arrest is off here: these tests make many calls in one instant.
class Contacts : public RouterTest {
 protected:
  Contacts() { config.rate_limits.key_spike.limit = 0; }
};

const std::string kAda =
    R"({"given_name":"Ada","family_name":"Lovelace","email_addresses":[{"email":"ada@example.com","field":"EMAIL1"}]})";

std::string id_of(const Response& res) {
  return std::string(json::parse(res.body).at("id").as_string());
}

TEST_F(Contacts, CreateReturns201AndGetReturnsIt) {
  auto res = api("POST", "/rest/v2/contacts", kAda);
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = id_of(res);
  auto got = api("GET", "/rest/v2/contacts/" + id);
  ASSERT_EQ(got.status, 200);
  auto v = body(got);
  EXPECT_EQ(v.at("given_name").as_string(), "Ada");
  EXPECT_EQ(v.at("email_addresses").at(0).at("email").as_string(), "ada@example.com");
  EXPECT_TRUE(v.at("create_time").is_string());
}

TEST_F(Contacts, WithoutDuplicateOptionEveryPostCreates) {
  auto a = id_of(api("POST", "/rest/v2/contacts", kAda));
  auto b = api("POST", "/rest/v2/contacts", kAda);
  EXPECT_EQ(b.status, 201);
  EXPECT_NE(id_of(b), a);
}

TEST_F(Contacts, DuplicateOptionEmailUpdatesTheMatch) {
  auto a = id_of(api("POST", "/rest/v2/contacts?duplicate_option=Email", kAda));
  auto res = api(
      "POST", "/rest/v2/contacts?duplicate_option=Email",
      R"({"job_title":"Analyst","email_addresses":[{"email":"ADA@example.com","field":"EMAIL1"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(id_of(res), a);
  EXPECT_EQ(body(res).at("job_title").as_string(), "Analyst");
  EXPECT_EQ(body(res).at("given_name").as_string(), "Ada") << "fields not sent are kept";
}

TEST_F(Contacts, TheDuplicateMatchFollowsEmailChangesDeletesAndRestores) {
  const auto upsert = [&](const std::string& email) {
    return api("POST", "/rest/v2/contacts?duplicate_option=Email",
               R"({"email_addresses":[{"email":")" + email + R"(","field":"EMAIL1"}]})");
  };
  const auto a = id_of(api("POST", "/rest/v2/contacts", kAda));
  const auto b = id_of(api("POST", "/rest/v2/contacts", kAda));  // a second Ada
  EXPECT_EQ(id_of(upsert("ada@example.com")), a) << "the lowest id matches";
  // Ada's address changes: the old one matches the other Ada, the new one her.
  ASSERT_EQ(api("PATCH", "/rest/v2/contacts/" + a,
                R"({"email_addresses":[{"email":"ada@new.example","field":"EMAIL1"}]})")
                .status,
            200);
  EXPECT_EQ(id_of(upsert("ada@example.com")), b);
  EXPECT_EQ(id_of(upsert("ADA@new.example")), a);
  ASSERT_EQ(api("DELETE", "/rest/v2/contacts/" + b).status, 204);
  const auto fresh = upsert("ada@example.com");
  EXPECT_EQ(fresh.status, 201) << "a deleted contact matched";
  Router other(config);
  other.restore(r().snapshot());
  const auto after = other.handle(
      Request{"POST",
              "/rest/v2/contacts?duplicate_option=Email",
              {{"x-keap-api-key", "KeapAK-sandbox-key"}, {"content-type", "application/json"}},
              R"({"email_addresses":[{"email":"ada@new.example","field":"EMAIL1"}]})"},
      now);
  EXPECT_EQ(id_of(after), a) << "the restored store lost its index";
}

TEST_F(Contacts, DuplicateOptionEmailAndNameNeedsTheNameToo) {
  auto a = id_of(api("POST", "/rest/v2/contacts?duplicate_option=EmailAndName", kAda));
  auto other = api(
      "POST", "/rest/v2/contacts?duplicate_option=EmailAndName",
      R"({"given_name":"Bob","family_name":"Lovelace","email_addresses":[{"email":"ada@example.com","field":"EMAIL1"}]})");
  EXPECT_EQ(other.status, 201);
  auto same = api("POST", "/rest/v2/contacts?duplicate_option=EmailAndName", kAda);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(id_of(same), a);
}

TEST_F(Contacts, DuplicateOptionMustBeKnown) {
  expect_v2_error(api("POST", "/rest/v2/contacts?duplicate_option=Phone", kAda), 400,
                  "duplicate_option");
}

TEST_F(Contacts, NewContactNeedsEmailPhoneOrAddress) {
  expect_v2_error(api("POST", "/rest/v2/contacts", R"({"given_name":"Nobody"})"), 400,
                  "at least one");
  expect_v2_error(
      api("POST", "/rest/v2/contacts?duplicate_option=Email", R"({"given_name":"Nobody"})"), 400);
  EXPECT_EQ(api("POST", "/rest/v2/contacts",
                R"({"phone_numbers":[{"number":"555-1234","field":"PHONE1"}]})")
                .status,
            201);
  EXPECT_EQ(
      api("POST", "/rest/v2/contacts",
          R"({"addresses":[{"field":"BILLING","line1":"1 Main St","country_code":"USA","region_code":"US-AZ"}]})")
          .status,
      201);
}

TEST_F(Contacts, EmailSyntaxIsChecked) {
  for (auto bad : {"plain", "a@b", "@example.com", "a..b@example.com", "a@-x.com",
                   "a b@example.com", "a@example.c"}) {
    auto res =
        api("POST", "/rest/v2/contacts",
            std::string(R"({"email_addresses":[{"email":")") + bad + R"(","field":"EMAIL1"}]})");
    expect_v2_error(res, 400, "not a valid email");
  }
  EXPECT_EQ(
      api("POST", "/rest/v2/contacts",
          R"({"email_addresses":[{"email":"o'neil+tag@mail.example.co.uk","field":"EMAIL1"}]})")
          .status,
      201);
}

TEST_F(Contacts, LengthLimitsFromTheSpec) {
  auto email = [](std::size_t local, const char* field) {
    return std::string(R"({"email_addresses":[{"email":")") + std::string(local, 'a') +
           R"(@example.com","field":")" + field + R"("}]})";
  };
  // EMAIL1: 75 characters; EMAIL2: 100 ("@example.com" is 12).
  EXPECT_EQ(api("POST", "/rest/v2/contacts", email(63, "EMAIL1")).status, 201);
  expect_v2_error(api("POST", "/rest/v2/contacts", email(64, "EMAIL1")), 400, "at most 75");
  EXPECT_EQ(api("POST", "/rest/v2/contacts", email(64, "EMAIL2")).status, 201);
  auto name = [&](std::size_t n) {
    return R"({"given_name":")" + std::string(n, 'x') +
           R"(","email_addresses":[{"email":"n@example.com","field":"EMAIL1"}]})";
  };
  EXPECT_EQ(api("POST", "/rest/v2/contacts", name(40)).status, 201);
  expect_v2_error(api("POST", "/rest/v2/contacts", name(41)), 400, "given_name");
  expect_v2_error(
      api("POST", "/rest/v2/contacts",
          R"({"phone_numbers":[{"number":")" + std::string(21, '5') + R"(","field":"PHONE4"}]})"),
      400, "at most 20");
  expect_v2_error(api("POST", "/rest/v2/contacts",
                      R"({"addresses":[{"field":"BILLING","line1":")" + std::string(76, 'l') +
                          R"(","country_code":"USA"}]})"),
                  400, "line1");
  EXPECT_EQ(api("POST", "/rest/v2/contacts",
                R"({"addresses":[{"field":"SHIPPING","line1":")" + std::string(100, 'l') +
                    R"(","country_code":"USA"}]})")
                .status,
            201);
}

TEST_F(Contacts, CountryAndRegionCodes) {
  auto addr = [](const std::string& fields) {
    return R"({"addresses":[{"field":"BILLING",)" + fields + "}]}";
  };
  expect_v2_error(api("POST", "/rest/v2/contacts", addr(R"("country_code":"US")")), 400, "alpha-3");
  expect_v2_error(api("POST", "/rest/v2/contacts", addr(R"("country_code":"XYZ")")), 400,
                  "alpha-3");
  expect_v2_error(api("POST", "/rest/v2/contacts", addr(R"("region_code":"US-AZ")")), 400,
                  "country_code is required");
  expect_v2_error(
      api("POST", "/rest/v2/contacts", addr(R"("country_code":"USA","region_code":"AZ")")), 400,
      "region_code");
  expect_v2_error(
      api("POST", "/rest/v2/contacts", addr(R"("country_code":"USA","region_code":"US-XX")")), 400,
      "region_code");
  expect_v2_error(
      api("POST", "/rest/v2/contacts", addr(R"("country_code":"CAN","region_code":"US-AZ")")), 400,
      "region_code");
  expect_v2_error(api("POST", "/rest/v2/contacts", addr(R"("country":"United States")")), 400,
                  "country_code");
  EXPECT_EQ(api("POST", "/rest/v2/contacts", addr(R"("country_code":"DEU","region_code":"DE-BY")"))
                .status,
            201);
  EXPECT_EQ(api("POST", "/rest/v2/contacts", addr(R"("country_code":"CAN","region_code":"CA-QC")"))
                .status,
            201);
}

TEST_F(Contacts, UnknownPropertiesSlotsAndTypesAreRefused) {
  expect_v2_error(api("POST", "/rest/v2/contacts", R"({"email":"a@example.com"})"), 400,
                  "not a recognized");
  expect_v2_error(
      api("POST", "/rest/v2/contacts", R"({"email_addresses":[{"email":"a@example.com"}]})"), 400,
      "field is required");
  expect_v2_error(
      api("POST", "/rest/v2/contacts",
          R"({"email_addresses":[{"email":"a@example.com","field":"EMAIL1"},{"email":"b@example.com","field":"EMAIL1"}]})"),
      400, "twice");
  expect_v2_error(api("POST", "/rest/v2/contacts",
                      R"({"given_name":5,"phone_numbers":[{"number":"1","field":"PHONE1"}]})"),
                  400, "must be a string");
  expect_v2_error(
      api("POST", "/rest/v2/contacts",
          R"({"birth_date":"1990-02-30","phone_numbers":[{"number":"1","field":"PHONE1"}]})"),
      400, "birth_date");
  expect_v2_error(api("POST", "/rest/v2/contacts", "not json"), 400, "could not be converted");
  auto form = call("POST", "/rest/v2/contacts",
                   {{"x-keap-api-key", "KeapAK-sandbox-key"},
                    {"content-type", "application/x-www-form-urlencoded"}},
                   "given_name=x");
  expect_v2_error(form, 415);
}

TEST_F(Contacts, PatchReplacesSentFieldsAndArrays) {
  auto id = id_of(api(
      "POST", "/rest/v2/contacts",
      R"({"given_name":"Ada","phone_numbers":[{"number":"1","field":"PHONE1"}],)"
      R"("email_addresses":[{"email":"a@example.com","field":"EMAIL1"},{"email":"b@example.com","field":"EMAIL2"}]})"));
  auto res = api(
      "PATCH", "/rest/v2/contacts/" + id,
      R"({"family_name":"King","email_addresses":[{"email":"c@example.com","field":"EMAIL1"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto v = body(res);
  EXPECT_EQ(v.at("given_name").as_string(), "Ada");
  EXPECT_EQ(v.at("family_name").as_string(), "King");
  ASSERT_EQ(v.at("email_addresses").as_array().size(), 1u) << "items not listed are removed";
  EXPECT_EQ(v.at("phone_numbers").as_array().size(), 1u);
  auto cleared = body(api("PATCH", "/rest/v2/contacts/" + id, R"({"given_name":null})"));
  EXPECT_FALSE(cleared.contains("given_name"));
}

TEST_F(Contacts, PatchWithUpdateMaskTouchesOnlyMaskedFields) {
  auto id = id_of(api("POST", "/rest/v2/contacts", kAda));
  auto res = api("PATCH", "/rest/v2/contacts/" + id + "?update_mask=given_name,job_title",
                 R"({"given_name":"Augusta","family_name":"Ignored"})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto v = body(res);
  EXPECT_EQ(v.at("given_name").as_string(), "Augusta");
  EXPECT_EQ(v.at("family_name").as_string(), "Lovelace");
  EXPECT_FALSE(v.contains("job_title"));
  expect_v2_error(api("PATCH", "/rest/v2/contacts/" + id + "?update_mask=shoe_size", R"({})"), 400,
                  "update_mask");
  expect_v2_error(api("PATCH", "/rest/v2/contacts/" + id,
                      R"({"email_addresses":[{"email":"bad","field":"EMAIL1"}]})"),
                  400);
}

TEST_F(Contacts, GetDeleteAndNotFound) {
  auto id = id_of(api("POST", "/rest/v2/contacts", kAda));
  EXPECT_EQ(api("DELETE", "/rest/v2/contacts/" + id).status, 204);
  expect_v2_error(api("GET", "/rest/v2/contacts/" + id), 404);
  expect_v2_error(api("DELETE", "/rest/v2/contacts/" + id), 404);
  expect_v2_error(api("PATCH", "/rest/v2/contacts/" + id, "{}"), 404);
  expect_v2_error(api("GET", "/rest/v2/contacts/abc"), 400);
}

TEST_F(Contacts, ListFiltersByEmailAndPages) {
  api("POST", "/rest/v2/contacts", kAda);
  api("POST", "/rest/v2/contacts",
      R"({"email_addresses":[{"email":"bob@example.com","field":"EMAIL1"}]})");
  api("POST", "/rest/v2/contacts",
      R"({"email_addresses":[{"email":"bobby@example.com","field":"EMAIL1"}]})");
  auto exact = body(api("GET", "/rest/v2/contacts?filter=email%3D%3Dbob%40example.com"));
  ASSERT_EQ(exact.at("contacts").as_array().size(), 1u);
  auto prefix = body(api("GET", "/rest/v2/contacts?filter=email==bob*"));
  EXPECT_EQ(prefix.at("contacts").as_array().size(), 2u);
  auto page = body(api("GET", "/rest/v2/contacts?page_size=2"));
  EXPECT_EQ(page.at("contacts").as_array().size(), 2u);
  auto next = std::string(page.at("next_page_token").as_string());
  auto rest = body(api("GET", "/rest/v2/contacts?page_size=2&page_token=" + next));
  EXPECT_EQ(rest.at("contacts").as_array().size(), 1u);
  EXPECT_FALSE(rest.contains("next_page_token"));
  expect_v2_error(api("GET", "/rest/v2/contacts?filter=shoe_size==9"), 400, "filter");
}

TEST_F(Contacts, ListFiltersByPhoneInTheNamedFieldsAndByUpdateTime) {
  api("POST", "/rest/v2/contacts",
      R"({"phone_numbers":[{"number":"+1 555 0100","field":"PHONE1"}]})");
  api("POST", "/rest/v2/contacts",
      R"({"phone_numbers":[{"number":"+1 555 0100","field":"PHONE2"}]})");
  const std::string phone = "/rest/v2/contacts?filter=phone_number%3D%3D%2B1%20555%200100";
  EXPECT_EQ(
      body(api("GET", phone + "%3Bphone_fields%3D%3DPHONE1")).at("contacts").as_array().size(), 1u);
  EXPECT_EQ(
      body(api("GET", phone + ";phone_fields==PHONE1,PHONE2")).at("contacts").as_array().size(),
      2u);
  EXPECT_EQ(
      body(api("GET", phone + ";phone_fields==PHONE1;start_update_time==2999-01-01T00:00:00Z"))
          .at("contacts")
          .as_array()
          .size(),
      0u);
  EXPECT_EQ(
      body(api("GET", phone + ";phone_fields==PHONE1;start_update_time==2000-01-01T00:00:00Z"))
          .at("contacts")
          .as_array()
          .size(),
      1u);
  expect_v2_error(api("GET", phone), 400, "phone_fields");
}

TEST_F(Contacts, TagsCreateFilterApplyRemove) {
  auto id = id_of(api("POST", "/rest/v2/contacts", kAda));
  auto created = api("POST", "/rest/v2/tags", R"({"name":"VIP","description":"big spenders"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto tag = id_of(created);
  expect_v2_error(api("POST", "/rest/v2/tags", R"({"name":"VIP"})"), 409);
  expect_v2_error(api("POST", "/rest/v2/tags", R"({"description":"no name"})"), 400);
  api("POST", "/rest/v2/tags", R"({"name":"Other"})");

  auto found = body(api("GET", "/rest/v2/tags?filter=name%3D%3DVIP"));
  ASSERT_EQ(found.at("tags").as_array().size(), 1u);
  EXPECT_EQ(found.at("tags").at(0).at("id").as_string(), tag);
  EXPECT_EQ(body(api("GET", "/rest/v2/tags")).at("tags").as_array().size(), 2u);

  auto applied = api("POST", "/rest/v2/tags/" + tag + "/contacts:applyTags",
                     R"({"contact_ids":[")" + id + R"(","999"]})");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(body(applied).at("results").at(id).as_string(), "SUCCESS");
  EXPECT_EQ(body(applied).at("results").at("999").as_string(), "CONTACT_NOT_FOUND");
  EXPECT_EQ(body(api("GET", "/rest/v2/contacts/" + id)).at("tag_ids").at(0).as_string(), tag);
  EXPECT_EQ(body(api("GET", "/rest/v2/contacts/" + id + "/tags")).at("tags").as_array().size(), 1u);

  EXPECT_EQ(api("POST", "/rest/v2/tags/" + tag + "/contacts:removeTags",
                R"({"contact_ids":[")" + id + R"("]})")
                .status,
            204);
  EXPECT_TRUE(body(api("GET", "/rest/v2/contacts/" + id)).at("tag_ids").as_array().empty());
  expect_v2_error(api("POST", "/rest/v2/tags/4242/contacts:applyTags", R"({"contact_ids":["1"]})"),
                  404);
}

TEST_F(Contacts, StateSnapshotRoundTrips) {
  auto id = id_of(api("POST", "/rest/v2/contacts", kAda));
  auto tag = id_of(api("POST", "/rest/v2/tags", R"({"name":"VIP"})"));
  api("POST", "/rest/v2/tags/" + tag + "/contacts:applyTags",
      R"({"contact_ids":[")" + id + R"("]})");
  auto snapshot = r().snapshot();
  Router other(config);
  other.restore(snapshot);
  auto got = other.handle(
      Request{"GET", "/rest/v2/contacts/" + id, {{"x-keap-api-key", "KeapAK-sandbox-key"}}, ""},
      now);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(body(got).at("tag_ids").at(0).as_string(), tag);
  auto next = other.handle(
      Request{"POST",
              "/rest/v2/contacts",
              {{"x-keap-api-key", "KeapAK-sandbox-key"}, {"content-type", "application/json"}},
              kAda},
      now);
  EXPECT_NE(id_of(next), id) << "ids continue after a restore";
}

}  // namespace
}  // namespace keapsync::sandbox::test
