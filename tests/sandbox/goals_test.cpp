// Automation goals in the sandbox: POST /rest/v2/automations/goals/achieve
// (achieveGoal) for the goals the config defines, its validation, the log at
// GET /_sandbox/goals (reset, --state), and the `goals:` config key.
#include <fstream>
#include <sstream>

#include "router_fixture.hpp"

namespace keapsync::sandbox::test {
namespace {

constexpr const char* kAchieve = "/rest/v2/automations/goals/achieve";

class Goals : public RouterTest {
 protected:
  Goals() {
    config.rate_limits.key_spike.limit = 0;
    config.goals = parse_sandbox_config(R"(
goals:
  - {integration: shop, call_name: purchased, flow_ids: [70, 71]}
  - {automation_id: 30, goal_id: 4, flow_ids: [80]}
  - {integration: shop, call_name: refunded, automation_id: 31, goal_id: 2}
  - {integration: shop, call_name: purchased, automation_id: 32, goal_id: 1}
)")
                       .goals;
  }

  // A contact to achieve goals for; its id.
  std::string contact() {
    auto res = api("POST", "/rest/v2/contacts",
                   R"({"email_addresses":[{"email":"ada@example.com","field":"EMAIL1"}]})");
    EXPECT_EQ(res.status, 201) << res.body;
    return std::string(body(res).at("id").as_string());
  }

  Response achieve(const std::string& json) { return api("POST", kAchieve, json); }

  json::array logged() { return body(call("GET", "/_sandbox/goals")).at("goals").as_array(); }
};

TEST_F(Goals, AConfiguredGoalFiresEveryAutomationsGoalOfThatNameAndIsRecorded) {
  const auto id = contact();
  const auto res =
      achieve(R"({"integration":"shop","call_name":"purchased","contact_id":)" + id + "}");
  ASSERT_EQ(res.status, 200) << res.body;
  // The first goal has no ids of its own: derived, 900000 + its position, goal 1.
  EXPECT_EQ(json::parse(res.body), json::parse(R"({"results":[
      {"success":true,"message":"Goal achieved successfully","automation_id":900001,"goal_id":1,
       "flow_start_results":[{"success":true,"message":"Flow started successfully","flow_id":70},
                             {"success":true,"message":"Flow started successfully","flow_id":71}],
       "flow_stop_results":[]},
      {"success":true,"message":"Goal achieved successfully","automation_id":32,"goal_id":1,
       "flow_start_results":[],"flow_stop_results":[]}]})"));
  const auto log = logged();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], json::parse(R"({"contact_id":")" + id +
                                R"(","integration":"shop","call_name":"purchased",
      "automation_id":900001,"goal_id":1,"success":true,"at":"2026-01-01T12:00:00Z"})"));
  EXPECT_EQ(log[1].at("automation_id").as_int64(), 32);
}

TEST_F(Goals, AGoalByIdsFiresOnceAndTheLogKeepsTheOrderAndCount) {
  const auto id = contact();
  const auto res = achieve(R"({"automation_id":30,"goal_id":4,"contact_id":)" + id + "}");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto results = body(res).at("results").as_array();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].at("success").as_bool(), true);
  EXPECT_EQ(results[0].at("automation_id").as_int64(), 30);
  EXPECT_EQ(results[0].at("goal_id").as_int64(), 4);
  EXPECT_EQ(results[0].at("flow_start_results").at(0).at("flow_id").as_int64(), 80);
  // A goal configured with both names and ids is reached either way.
  now += std::chrono::seconds{5};
  ASSERT_EQ(achieve(R"({"automation_id":31,"goal_id":2,"contact_id":)" + id + "}").status, 200);
  ASSERT_EQ(
      achieve(R"({"integration":"shop","call_name":"refunded","contact_id":)" + id + "}").status,
      200);
  const auto log = logged();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_TRUE(log[0].at("integration").is_null()) << "a goal by ids only has no names";
  EXPECT_EQ(log[0].at("automation_id").as_int64(), 30);
  EXPECT_EQ(log[1].at("call_name").as_string(), "refunded") << "names from the config";
  EXPECT_EQ(log[1].at("at").as_string(), "2026-01-01T12:00:05Z");
  EXPECT_EQ(log[2].at("goal_id").as_int64(), 2);
}

TEST_F(Goals, AnUnknownGoalAnswers200WithSuccessFalseAndIsRecordedAsSuch) {
  const auto id = contact();
  const auto by_name =
      achieve(R"({"integration":"shop","call_name":"abandoned","contact_id":)" + id + "}");
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(json::parse(by_name.body), json::parse(R"({"results":[{"success":false,
      "message":"No goal found with integration \"shop\" and call_name \"abandoned\""}]})"));
  const auto by_ids = achieve(R"({"automation_id":30,"goal_id":5,"contact_id":)" + id + "}");
  ASSERT_EQ(by_ids.status, 200) << by_ids.body;
  EXPECT_EQ(body(by_ids).at("results").at(0).at("success").as_bool(), false);
  EXPECT_EQ(body(by_ids).at("results").at(0).at("message").as_string(),
            "No goal found with automation_id 30 and goal_id 5");
  const auto log = logged();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], json::parse(R"({"contact_id":")" + id +
                                R"(","integration":"shop","call_name":"abandoned",
      "automation_id":null,"goal_id":null,"success":false,"at":"2026-01-01T12:00:00Z"})"));
  EXPECT_FALSE(log[1].at("success").as_bool());
  EXPECT_EQ(log[1].at("goal_id").as_int64(), 5);
  EXPECT_TRUE(log[1].at("integration").is_null());
}

TEST_F(Goals, WithoutGoalsInTheConfigEveryGoalIsUnknown) {
  config.goals.clear();
  const auto id = contact();
  const auto res = achieve(R"({"automation_id":30,"goal_id":4,"contact_id":)" + id + "}");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_FALSE(body(res).at("results").at(0).at("success").as_bool());
}

TEST_F(Goals, EachValidationErrorIs400NamingTheField) {
  const auto id = contact();
  const auto bad = [&](const std::string& json, const std::string& message) {
    SCOPED_TRACE(json);
    expect_v2_error(achieve(json), 400, message);
  };
  const std::string c = R"("contact_id":)" + id;
  bad(R"({"integration":"shop","call_name":"purchased"})", "contact_id is required");
  bad(R"({"integration":"shop","call_name":"purchased","contact_id":null})",
      "contact_id is required");
  bad(R"({"integration":"shop","call_name":"purchased","automation_id":30,"goal_id":4,)" + c + "}",
      "mutually exclusive");
  bad(R"({"integration":"shop","goal_id":4,)" + c + "}", "mutually exclusive");
  bad("{" + c + "}", "integration and call_name, or automation_id and goal_id, are required");
  bad(R"({"integration":"shop",)" + c + "}", "call_name is required with integration");
  bad(R"({"call_name":"purchased",)" + c + "}", "integration is required with call_name");
  bad(R"({"automation_id":30,)" + c + "}", "goal_id is required with automation_id");
  bad(R"({"goal_id":4,)" + c + "}", "automation_id is required with goal_id");
  // Types: the spec's int64 ids are JSON integers, not strings.
  bad(R"({"integration":"shop","call_name":"purchased","contact_id":")" + id + R"("})",
      "contact_id must be an integer (int64), not a string");
  bad(R"({"integration":"shop","call_name":"purchased","contact_id":1.5})",
      "contact_id must be an integer");
  bad(R"({"integration":"shop","call_name":"purchased","contact_id":0})",
      "contact_id must be positive");
  bad(R"({"integration":"shop","call_name":"purchased","contact_id":18446744073709551615})",
      "contact_id must be an integer (int64)");
  bad(R"({"automation_id":"30","goal_id":4,)" + c + "}", "automation_id must be an integer");
  bad(R"({"automation_id":30,"goal_id":true,)" + c + "}", "goal_id must be an integer");
  bad(R"({"integration":7,"call_name":"purchased",)" + c + "}", "integration must be a string");
  bad(R"({"integration":"shop","call_name":"",)" + c + "}", "call_name must not be empty");
  bad(R"({"integration":"shop","call_name":"purchased","contactId":1,)" + c + "}",
      "contactId is not a recognized property");
  bad("[]", "could not be converted");
  bad("not json", "could not be converted");
  expect_v2_error(call("POST", kAchieve,
                       {{"x-keap-api-key", "KeapAK-sandbox-key"}, {"content-type", "text/plain"}},
                       "{" + c + "}"),
                  415);
  expect_v2_error(api("GET", kAchieve), 405);
  EXPECT_TRUE(logged().empty()) << "a refused request achieves nothing";
  // null reads as absent, as for the other optional properties.
  EXPECT_EQ(
      achieve(R"({"integration":null,"call_name":null,"automation_id":30,"goal_id":4,)" + c + "}")
          .status,
      200);
}

TEST_F(Goals, AnUnknownContactIs404AndNotRecorded) {
  contact();
  expect_v2_error(achieve(R"({"integration":"shop","call_name":"purchased","contact_id":999})"),
                  404, "Contact 999 not found");
  const auto id = contact();
  ASSERT_EQ(api("DELETE", "/rest/v2/contacts/" + id).status, 204);
  expect_v2_error(achieve(R"({"automation_id":30,"goal_id":4,"contact_id":)" + id + "}"), 404);
  EXPECT_TRUE(logged().empty());
}

TEST_F(Goals, ResetClearsTheLog) {
  const auto id = contact();
  achieve(R"({"automation_id":30,"goal_id":4,"contact_id":)" + id + "}");
  ASSERT_EQ(logged().size(), 1u);
  ASSERT_EQ(call("POST", "/_sandbox/reset").status, 200);
  EXPECT_TRUE(logged().empty());
  const auto again = contact();
  const auto res = achieve(R"({"automation_id":30,"goal_id":4,"contact_id":)" + again + "}");
  EXPECT_TRUE(body(res).at("results").at(0).at("success").as_bool()) << "the goals stay";
}

TEST_F(Goals, TheLogIsKeptInTheStateSnapshot) {
  const auto id = contact();
  achieve(R"({"automation_id":30,"goal_id":4,"contact_id":)" + id + "}");
  achieve(R"({"integration":"x","call_name":"y","contact_id":)" + id + "}");
  Router other(config);
  other.restore(r().snapshot());
  const auto got = other.handle(Request{"GET", "/_sandbox/goals", {}, ""}, now);
  EXPECT_EQ(json::parse(got.body), json::parse(call("GET", "/_sandbox/goals").body));
  EXPECT_EQ(json::parse(got.body).at("goals").as_array().size(), 2u);
  // A state file from before goals were kept restores with an empty log.
  auto old = r().snapshot().as_object();
  old.erase("goals");
  Router older(config);
  older.restore(old);
  EXPECT_TRUE(json::parse(older.handle(Request{"GET", "/_sandbox/goals", {}, ""}, now).body)
                  .at("goals")
                  .as_array()
                  .empty());
}

TEST_F(Goals, TheRouteCountsInStatsAndObeysCredentialsLimitsAndFaults) {
  const auto id = contact();
  const std::string req = R"({"automation_id":30,"goal_id":4,"contact_id":)" + id + "}";
  ASSERT_EQ(achieve(req).status, 200);
  achieve("{}");
  // Served under /crm too, and over OAuth.
  auto [access, refresh_token] = login();
  const auto oauth =
      call("POST", "/crm" + std::string(kAchieve),
           {{"authorization", "Bearer " + access}, {"content-type", "application/json"}}, req);
  EXPECT_EQ(oauth.status, 200) << oauth.body;
  EXPECT_FALSE(oauth.header("x-keap-product-throttle-limit").empty());
  EXPECT_EQ(achieve(req).header("x-keap-product-throttle-limit"), "240");
  EXPECT_EQ(api("POST", kAchieve, req, "KeapAK-wrong").status, 401);
  EXPECT_EQ(call("POST", kAchieve, {{"content-type", "application/json"}}, req).status, 401);
  const auto routes = body(call("GET", "/_sandbox/stats")).at("routes").as_object();
  const auto& stats = routes.at("POST /rest/v2/automations/goals/achieve");
  EXPECT_EQ(stats.at("200").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(stats.at("400").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(stats.at("401").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(logged().size(), 3u);

  ASSERT_EQ(call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
                 R"({"error_rate":1,"error_status":503,)"
                 R"("route":"POST /rest/v2/automations/goals/achieve"})")
                .status,
            200);
  expect_v2_error(achieve(req), 503);
  EXPECT_EQ(logged().size(), 3u) << "a faulted request does not fire";
  call("POST", "/_sandbox/faults", {{"content-type", "application/json"}}, "{}");

  config.rate_limits.key_spike = {2, std::chrono::seconds{1}};
  router.reset();
  EXPECT_EQ(achieve("{}").status, 400);
  EXPECT_EQ(achieve("{}").status, 400);
  EXPECT_EQ(achieve("{}").status, 429);
}

TEST(GoalsConfig, ParsesGoalsAndNamesBadKeys) {
  const auto c = parse_sandbox_config(R"(
goals:
  - {integration: shop, call_name: purchased}
  - {automation_id: 12, goal_id: 3, flow_ids: [5, 6]}
  - integration: shop
    call_name: refunded
    automation_id: 13
    goal_id: 1
)");
  ASSERT_EQ(c.goals.size(), 3u);
  EXPECT_EQ(c.goals[0].integration, "shop");
  EXPECT_EQ(c.goals[0].automation_id, 0) << "derived when answered";
  EXPECT_EQ(goal_ids(c.goals, 0), std::make_pair(std::int64_t{900001}, std::int64_t{1}));
  EXPECT_EQ(goal_ids(c.goals, 1), std::make_pair(std::int64_t{12}, std::int64_t{3}));
  EXPECT_EQ(c.goals[1].flow_ids, (std::vector<std::int64_t>{5, 6}));
  EXPECT_TRUE(c.goals[1].integration.empty());
  EXPECT_EQ(c.goals[2].call_name, "refunded");
  EXPECT_TRUE(parse_sandbox_config("tenant_id: x").goals.empty());

  const auto error_of = [](const std::string& yaml) {
    try {
      parse_sandbox_config(yaml);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto expect_error = [&](const std::string& yaml, const std::string& part) {
    const auto e = error_of(yaml);
    EXPECT_NE(e.find(part), std::string::npos) << yaml << "\n  gave: " << e;
  };
  expect_error("goals: {integration: shop}", "goals (line 1): must be a list");
  expect_error("goals: [shop]", "goals[0] (line 1): must be a mapping");
  expect_error("goals: [{integration: shop, call_name: x, flows: [1]}]",
               "goals[0].flows (line 1): unknown key");
  expect_error("goals:\n  - {call_name: x}\n",
               "goals[0].integration (line 2): is required with "
               "call_name");
  expect_error("goals: [{integration: shop}]", "goals[0].call_name (line 1): is required with");
  expect_error("goals: [{automation_id: 3}]", "goals[0].goal_id (line 1): is required with");
  expect_error("goals: [{goal_id: 3}]", "goals[0].automation_id (line 1): is required with");
  expect_error("goals: [{flow_ids: [1]}]",
               "goals[0] (line 1): needs integration and call_name, or automation_id and goal_id");
  expect_error("goals: [{integration: '', call_name: x}]",
               "goals[0].integration (line 1): must not be empty");
  expect_error("goals: [{automation_id: 0, goal_id: 1}]",
               "goals[0].automation_id (line 1): must be a positive integer");
  expect_error("goals: [{automation_id: 1, goal_id: x}]",
               "goals[0].goal_id (line 1): has the wrong type");
  expect_error("goals: [{automation_id: 1, goal_id: 2, flow_ids: 3}]",
               "goals[0].flow_ids (line 1): must be a list");
  expect_error("goals: [{automation_id: 1, goal_id: 2, flow_ids: [4, -1]}]",
               "goals[0].flow_ids[1] (line 1): must be a positive integer");
  expect_error("goals:\n  - {automation_id: 1, goal_id: 2}\n  - {automation_id: 1, goal_id: 2}\n",
               "goals[1] (line 3): automation_id 1 and goal_id 2 are also goals[0]'s");
  expect_error(
      "goals:\n  - {integration: a, call_name: b}\n  - {automation_id: 900001, goal_id: "
      "1}\n",
      "goals[1] (line 3): automation_id 900001 and goal_id 1 are also goals[0]'s");
}

// The example file's commented goals, uncommented, are valid and mean what it says.
TEST(GoalsConfig, TheExampleFilesGoalsParse) {
  std::ifstream in(KEAPSYNC_SOURCE_DIR "/config/sandbox.example.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto yaml = text.str();
  ASSERT_NE(yaml.find("\ngoals: []\n"), std::string::npos);
  yaml.replace(yaml.find("\ngoals: []\n"), 11, "\ngoals:\n");
  for (auto at = yaml.find("\n#  - {"); at != std::string::npos; at = yaml.find("\n#  - {"))
    yaml.replace(at, 3, "\n ");
  const auto goals = parse_sandbox_config(yaml).goals;
  ASSERT_EQ(goals.size(), 3u);
  EXPECT_EQ(goal_ids(goals, 0), std::make_pair(std::int64_t{900001}, std::int64_t{1}));
  EXPECT_EQ(goals[2].flow_ids, (std::vector<std::int64_t>{80, 81}));
}

}  // namespace
}  // namespace keapsync::sandbox::test
