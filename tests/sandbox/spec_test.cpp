// The sandbox against Keap's own v2 spec: one recorded response per route is
// checked against the response schema swagger.yml declares for its status
// (fixture: keap_v2_response_schemas.json, made by
// scripts/extract-sandbox-response-schemas.py with POST
// /rest/v2/automations/goals/achieve and GET / PATCH
// /rest/v2/emailAddresses/{email}/status added to its ROUTES), and the sandbox accepts every
// example request of keapsync's payload mapper (tests/keap/examples, when present).
#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "router_fixture.hpp"
#include "support/json_schema.hpp"

namespace keapsync::sandbox::test {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const json::object& fixture() {
  static const json::object doc = json::parse(read(fs::path(KEAPSYNC_SOURCE_DIR) / "tests" /
                                                   "sandbox" / "keap_v2_response_schemas.json"))
                                      .as_object();
  return doc;
}

// The validator shared with the client's request checks (tests/keap).
const testing::JsonSchemas& schemas() {
  static const testing::JsonSchemas set(fixture().at("schemas").as_object());
  return set;
}

class Spec : public RouterTest {
 protected:
  Spec() {
    config.rate_limits.key_spike.limit = 0;
    config.goals = {{"shop", "purchased", 0, 0, {70}}};
  }

  // Checks `res` against the schema the spec declares for `route` and its status.
  void check(const std::string& route, const Response& res) {
    SCOPED_TRACE(route + " -> " + std::to_string(res.status));
    ++checked_;
    const auto& routes = fixture().at("routes").as_object();
    ASSERT_TRUE(routes.contains(route)) << route;
    const auto& statuses = routes.at(route).as_object();
    auto status = std::to_string(res.status);
    ASSERT_TRUE(statuses.contains(status)) << "the spec declares no " << status << " for " << route;
    const auto& schema = statuses.at(status);
    if (schema.is_null()) {
      EXPECT_TRUE(res.body.empty()) << res.body;
      return;
    }
    const auto errors =
        schemas().violations(json::parse(res.body), schemas().named(schema.as_string()), "$");
    for (const auto& e : errors)
      ADD_FAILURE() << e << "\n" << res.body;
  }
  int checked_ = 0;
};

TEST_F(Spec, OneRecordedResponsePerRouteMatchesItsSchema) {
  const std::string full =
      R"({"given_name":"Ann","family_name":"Smith","job_title":"CTO","birth_date":"1985-03-15",
    "email_addresses":[{"email":"ann@example.com","field":"EMAIL1","opt_in_reason":"Checkout"},
                       {"email":"ann@work.example","field":"EMAIL2"}],
    "phone_numbers":[{"number":"+1 555-0101","field":"PHONE1","type":"Work"}],
    "addresses":[{"field":"BILLING","line1":"1 Main St","locality":"Phoenix","region_code":"US-AZ",
                  "postal_code":"85001","country_code":"USA"}],
    "custom_fields":[{"id":"12","content":"gold"}],"social_accounts":[{"name":"@ann","type":"TWITTER"}],
    "source_type":"API","company":{"id":"100"},"origin":{"ip_address":"192.0.2.10"}})";
  auto created = api("POST", "/rest/v2/contacts", full);
  check("POST /rest/v2/contacts", created);
  auto id = std::string(json::parse(created.body).at("id").as_string());
  check("POST /rest/v2/contacts", api("POST", "/rest/v2/contacts?duplicate_option=Email", full));
  check("POST /rest/v2/contacts", api("POST", "/rest/v2/contacts", R"({"given_name":"x"})"));
  check("GET /rest/v2/contacts/{contact_id}", api("GET", "/rest/v2/contacts/" + id));
  check("GET /rest/v2/contacts/{contact_id}", api("GET", "/rest/v2/contacts/999"));
  check(
      "PATCH /rest/v2/contacts/{contact_id}",
      api("PATCH", "/rest/v2/contacts/" + id + "?update_mask=job_title", R"({"job_title":"CEO"})"));
  check("GET /rest/v2/contacts",
        api("GET", "/rest/v2/contacts?filter=email%3D%3Dann%40example.com&page_size=1"));
  check("GET /rest/v2/contacts", api("GET", "/rest/v2/contacts?filter=shoe==9"));
  auto tag =
      api("POST", "/rest/v2/tags", R"({"name":"VIP","description":"big","category":{"id":"3"}})");
  check("POST /rest/v2/tags", tag);
  auto tag_id = std::string(json::parse(tag.body).at("id").as_string());
  check("POST /rest/v2/tags", api("POST", "/rest/v2/tags", R"({"name":"VIP"})"));
  check("GET /rest/v2/tags", api("GET", "/rest/v2/tags?filter=name%3D%3DVIP"));
  check("GET /rest/v2/tags/{tag_id}", api("GET", "/rest/v2/tags/" + tag_id));
  check("POST /rest/v2/tags/{tag_id}/contacts:applyTags",
        api("POST", "/rest/v2/tags/" + tag_id + "/contacts:applyTags",
            R"({"contact_ids":[")" + id + R"("]})"));
  check("GET /rest/v2/contacts/{contact_id}/tags", api("GET", "/rest/v2/contacts/" + id + "/tags"));
  check("POST /rest/v2/tags/{tag_id}/contacts:removeTags",
        api("POST", "/rest/v2/tags/" + tag_id + "/contacts:removeTags",
            R"({"contact_ids":[")" + id + R"("]})"));
  check("GET /rest/v2/oauth/connect/userinfo", api("GET", "/rest/v2/oauth/connect/userinfo"));
  const std::string goal = "/rest/v2/automations/goals/achieve";
  check("POST " + goal,
        api("POST", goal,
            R"({"integration":"shop","call_name":"purchased","contact_id":)" + id + "}"));
  check("POST " + goal,
        api("POST", goal, R"({"automation_id":1,"goal_id":2,"contact_id":)" + id + "}"));
  check("POST " + goal, api("POST", goal, R"({"automation_id":1,"contact_id":)" + id + "}"));
  check("POST " + goal, api("POST", goal, R"({"automation_id":1,"goal_id":2,"contact_id":999})"));
  const std::string status = "/rest/v2/emailAddresses/{email}/status";
  const std::string ann = "/rest/v2/emailAddresses/ann%40example.com/status";
  check("GET " + status, api("GET", ann));
  check("GET " + status, api("GET", "/rest/v2/emailAddresses/nobody%40example.com/status"));
  check("GET " + status, api("GET", "/rest/v2/emailAddresses/ann/status"));
  check("PATCH " + status, api("PATCH", ann, R"({"reason":"Asked","opted_in":false})"));
  check("PATCH " + status, api("PATCH", ann, R"({"reason":"Webform","opted_in":true})"));
  check("PATCH " + status, api("PATCH", ann, R"({"opted_in":true})"));
  check("PATCH " + status, api("PATCH", "/rest/v2/emailAddresses/nobody%40example.com/status",
                               R"({"reason":"Asked","opted_in":false})"));
  check("DELETE /rest/v2/contacts/{contact_id}", api("DELETE", "/rest/v2/contacts/" + id));
  check("DELETE /rest/v2/contacts/{contact_id}", api("DELETE", "/rest/v2/contacts/" + id));
  config.faults.error_rate = 1;
  router.reset();
  check("GET /rest/v2/tags", api("GET", "/rest/v2/tags"));
  EXPECT_EQ(checked_, 30);
}

// Every example request keapsync's payload mapper keeps in tests/keap/examples
// (another branch until merged) is accepted by the sandbox.
TEST_F(Spec, AcceptsThePayloadMappersExampleRequests) {
  const fs::path dir = fs::path(KEAPSYNC_SOURCE_DIR) / "tests" / "keap" / "examples";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is not here yet";
  // Contact 42 and tags 5 and 9 exist, as the examples assume.
  r().restore(
      json::parse(R"({"contacts":{"next_id":43,"contacts":[{"id":42,"fields":{"email_addresses":[
      {"email":"old@example.com","field":"EMAIL1"}]},"created_ms":0,"updated_ms":0,"tags":{"9":0}}]},
      "tags":{"next_id":10,"tags":[{"id":5,"name":"Gold","description":"","category_id":"","created_ms":0},
                                    {"id":9,"name":"Old","description":"","category_id":"","created_ms":0}]}})"));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  // DELETE last, so that the other examples find contact 42.
  std::stable_partition(files.begin(), files.end(), [](const fs::path& p) {
    return json::parse(read(p)).at("method").as_string() != "DELETE";
  });
  ASSERT_FALSE(files.empty());
  // Known disagreement, reported to the lead: these examples write the long-form
  // `region` of an address read back from Keap, which the spec deprecates for
  // POST/PATCH and the sandbox refuses (docs/sandbox.md, stricter choice 11).
  // When the mapper stops sending it, this test fails until the entry goes.
  const std::set<std::string> writes_deprecated_region = {"update_contact.json",
                                                          "update_contact_clear.json"};
  for (const auto& f : files) {
    auto ex = json::parse(read(f)).as_object();
    auto* body = ex.if_contains("body");
    auto res = api(std::string(ex.at("method").as_string()),
                   std::string(ex.at("target").as_string()), body ? json::serialize(*body) : "");
    if (writes_deprecated_region.count(f.filename().string())) {
      EXPECT_EQ(res.status, 400) << f.filename() << ": " << res.body;
      EXPECT_NE(res.body.find("country and region are read-only"), std::string::npos) << res.body;
      continue;
    }
    EXPECT_GE(res.status, 200) << f.filename() << ": " << res.body;
    EXPECT_LT(res.status, 300) << f.filename() << ": " << res.body;
  }
}

}  // namespace
}  // namespace keapsync::sandbox::test
