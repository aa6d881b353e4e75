// Goal rows: the payload's validation (each error naming its field), the
// request Keap documents, what its answer says, and the goals' place in a plan.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "keap/coalesce.hpp"
#include "keap/goal_parser.hpp"
#include "keap/goal_requests.hpp"
#include "keap/payload_parser.hpp"
#include "keap/plan_progress.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;

std::string errors_of(const std::string& payload) {
  const auto parsed = parse_row("goal", payload);
  if (!std::holds_alternative<std::vector<PayloadError>>(parsed)) return "valid";
  return join_errors(std::get<std::vector<PayloadError>>(parsed));
}

GoalEvent goal_of(const std::string& payload) {
  const auto parsed = parse_row("goal", payload);
  EXPECT_TRUE(std::holds_alternative<PendingChange>(parsed)) << errors_of(payload);
  const auto& change = std::get<PendingChange>(parsed);
  EXPECT_EQ(change.op, PendingChange::Op::event);
  return std::get<GoalEvent>(change.event);
}

TEST(GoalParser, AcceptsAnApiGoalByNameOrAGoalById) {
  const auto named = goal_of(R"({"integration":"shop","call_name":"purchase"})");
  EXPECT_EQ(named.integration, "shop");
  EXPECT_EQ(named.call_name, "purchase");
  EXPECT_TRUE(named.by_name());
  const auto by_id = goal_of(R"({"automation_id":12,"goal_id":34})");
  EXPECT_EQ(by_id.automation_id, 12);
  EXPECT_EQ(by_id.goal_id, 34);
  EXPECT_FALSE(by_id.by_name());
}

TEST(GoalParser, EachMistakeIsNamedWithItsField) {
  EXPECT_EQ(errors_of("null"),
            "payload: a goal takes an object, e.g. {\"integration\": \"shop\", \"call_name\": "
            "\"purchase\"} (got null)");
  EXPECT_EQ(errors_of("{}"),
            "payload: a goal needs integration and call_name (or automation_id and goal_id)");
  EXPECT_EQ(errors_of(R"({"integration":"shop"})"),
            "payload.call_name: missing (integration needs it)");
  EXPECT_EQ(errors_of(R"({"goal_id":3})"), "payload.automation_id: missing (goal_id needs it)");
  EXPECT_EQ(errors_of(R"({"integration":"shop","call_name":"buy","goal_id":1,"automation_id":2})"),
            "payload: a goal is either integration + call_name or automation_id + goal_id, not "
            "both");
  EXPECT_EQ(errors_of(R"({"integration":"shop","cal_name":"buy"})"),
            "payload.cal_name: unknown key (did you mean \"call_name\"?)\npayload.call_name: "
            "missing (integration needs it)");
  EXPECT_EQ(errors_of(R"({"integration":" ","call_name":7})"),
            "payload.integration: must not be empty\npayload.call_name: expected a string, got "
            "a number");
  EXPECT_EQ(errors_of(R"({"automation_id":"12","goal_id":0})"),
            "payload.automation_id: expected a positive integer, got \"12\"\npayload.goal_id: "
            "expected a positive integer, got a number");
  EXPECT_EQ(errors_of(R"({"integration":"a\u0001b","call_name":")" + std::string(256, 'x') + "\"}"),
            "payload.integration: must not contain control characters\npayload.call_name: too "
            "long: 256 characters (at most 255)");
}

TEST(GoalRequests, TheRequestIsKeapsAchieveGoalWithANumericContactId) {
  GoalEvent named;
  named.integration = "shop";
  named.call_name = "purchase";
  const auto r = achieve_goal_request(named, "42");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/rest/v2/automations/goals/achieve");
  EXPECT_EQ(json::value(*r.body),
            json::parse(R"({"integration":"shop","call_name":"purchase","contact_id":42})"));
  GoalEvent by_id;
  by_id.automation_id = 12;
  by_id.goal_id = 34;
  EXPECT_EQ(json::value(*achieve_goal_request(by_id, "7").body),
            json::parse(R"({"automation_id":12,"goal_id":34,"contact_id":7})"));
  EXPECT_THROW(achieve_goal_request(named, "4x"), std::invalid_argument);
  EXPECT_THROW(achieve_goal_request(named, "0"), std::invalid_argument);
}

TEST(GoalRequests, A200CanStillSayTheGoalWasNotAchieved) {
  EXPECT_EQ(goal_refusal(json::parse(R"({"results":[{"success":true,"goal_id":1}]})")),
            std::nullopt);
  EXPECT_EQ(goal_refusal(json::parse(
                R"({"results":[{"success":false,"message":"No goal found for shop/buy"}]})")),
            "No goal found for shop/buy");
  EXPECT_EQ(goal_refusal(json::parse(R"({"results":[]})")),
            "Keap's answer holds no result for the goal");
  EXPECT_EQ(goal_refusal(json::parse(R"({"results":[{"success":"yes"}]})")),
            "Keap said the goal was not achieved");
  // Achieved in one automation of two: it fired, and must not be sent again.
  EXPECT_EQ(goal_refusal(json::parse(
                R"({"results":[{"success":false,"message":"x"},{"success":true,"goal_id":3}]})")),
            std::nullopt);
}

PendingChange row(const char* op, const char* payload) {
  return std::get<PendingChange>(parse_row(op, payload));
}

TEST(GoalPlan, GoalsAreKeptOneByOneInOrderAfterTheContactsSteps) {
  const std::vector rows{row("upsert", R"({"email":"a@b.co","tags_add":["VIP"]})"),
                         row("goal", R"({"integration":"shop","call_name":"one"})"),
                         row("upsert", R"({"given_name":"Ann"})"),
                         row("goal", R"({"integration":"shop","call_name":"two"})")};
  const auto plan = coalesce(rows);
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_EQ(std::get<GoalEvent>(plan.events[0].event).call_name, "one");
  EXPECT_EQ(std::get<GoalEvent>(plan.events[1].event).call_name, "two");
  EXPECT_EQ(plan.events[0].row, 1u);  // which rows they are, for the engine to mark
  EXPECT_EQ(plan.events[1].row, 3u);
  EXPECT_EQ(plan.upsert->given_name.value(), "Ann");  // the upserts still merge
  EXPECT_GT(PlanStep::event(plan, 0), PlanStep::tag_add(plan, 0));
  using S = RowStanding;
  // The second goal failed: the first went out, and every older row with it.
  EXPECT_EQ(row_standings(rows, plan, PlanStep::event(plan, 1)),
            (std::vector{S::done, S::done, S::done, S::failed}));
  // The first goal failed: the second waits; the upsert after it waits too (a
  // newer row is never done before an older one).
  EXPECT_EQ(row_standings(rows, plan, PlanStep::event(plan, 0)),
            (std::vector{S::done, S::failed, S::waiting, S::waiting}));
  // The contact failed: no goal was sent.
  EXPECT_EQ(row_standings(rows, plan, PlanStep::fields),
            (std::vector{S::failed, S::waiting, S::failed, S::waiting}));
}

TEST(GoalPlan, AGoalBeforeADeleteWasForTheContactItDeletes) {
  const std::vector rows{row("goal", R"({"integration":"shop","call_name":"old"})"),
                         row("delete", "null"), row("goal", R"({"automation_id":1,"goal_id":2})")};
  const auto plan = coalesce(rows);
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(std::get<GoalEvent>(plan.events[0].event).goal_id, 2);
  EXPECT_EQ(plan.events[0].row, 2u);
  EXPECT_EQ(row_standings(rows, plan, PlanStep::event(plan, 0)),
            (std::vector{RowStanding::done, RowStanding::done, RowStanding::failed}));
}

}  // namespace
}  // namespace keapsync::keap
