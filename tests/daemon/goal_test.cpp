// Goal rows through the whole daemon: each fires once, in row order, after the
// contact it needs; Keap's "no such goal" (a 200 with success false) and a
// contact keapsync does not know go dead with the reason; and a goal whose
// delivery was killed after it left is never sent a second time.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <vector>

#include "daemon_fixture.hpp"
#include "support/run_process.hpp"

namespace keapsync {
namespace {

constexpr const char* kGoals =
    "goals:\n"
    "  - {integration: shop, call_name: purchased}\n"
    "  - {integration: shop, call_name: refunded}\n";

boost::json::array goals_fired(const testing::SandboxProcess& keap) {
  const auto r = testing::https_request("GET", keap.base_url() + "/_sandbox/goals", keap.ca_file());
  return boost::json::parse(r.body).as_object().at("goals").as_array();
}

std::string goal_row(const char* call_name) {
  return std::string(R"({"integration":"shop","call_name":")") + call_name + "\"}";
}

TEST_F(Daemon, GoalsFireOnceInRowOrderAfterTheContactAndRefusalsGoDead) {
  testing::SandboxProcess keap{roomy_sandbox(kGoals)};
  db.insert("ann", R"({"email":"ann@example.com"})");
  const auto purchased = db.insert("ann", goal_row("purchased"), "goal");
  db.insert("ann", goal_row("refunded"), "goal");
  const auto stranger = db.insert("nobody", goal_row("purchased"), "goal");
  db.insert("bob", R"({"email":"bob@example.com"})");
  const auto unknown = db.insert("bob", goal_row("abandoned"), "goal");
  auto daemon = start(config("", "info", &keap));
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);

  // Per Keap contact, in the order they fired (contacts are delivered side by side).
  std::map<std::string, std::vector<std::string>> by_contact;
  for (const auto& g : goals_fired(keap)) {
    by_contact[std::string(g.at("contact_id").as_string())].push_back(
        std::string(g.at("call_name").as_string()) + (g.at("success").as_bool() ? "" : " (no)"));
  }
  std::map<std::string, std::string> id_of;
  for (const auto& c : sandbox_contacts(keap))
    id_of[email_of(c)] = std::string(c.at("id").as_string());
  EXPECT_EQ(by_contact[id_of["ann@example.com"]],
            (std::vector<std::string>{"purchased", "refunded"}));
  EXPECT_EQ(by_contact[id_of["bob@example.com"]], std::vector<std::string>{"abandoned (no)"});
  EXPECT_EQ(by_contact.size(), 2u);
  EXPECT_EQ(sandbox_contacts(keap).size(), 2u);  // bob's upsert went through all the same
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM keapsync.outbox WHERE id = " + std::to_string(purchased)),
      "0");
  EXPECT_EQ(
      db.scalar("SELECT last_error FROM keapsync.outbox WHERE id = " + std::to_string(stranger)),
      "goal: keapsync knows no Keap contact for this contact_ref yet; an upsert with an "
      "email, phone or address must reach Keap first");
  EXPECT_EQ(
      db.scalar("SELECT last_error FROM keapsync.outbox WHERE id = " + std::to_string(unknown)),
      "goal (integration shop, call name abandoned): Keap did not achieve it: No goal "
      "found with integration \"shop\" and call_name \"abandoned\"");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, AGoalWhoseDeliveryWasKilledAfterItLeftIsNeverSentTwice) {
  // Keap takes the goal at once and answers 3 s later: time to kill the daemon
  // between Keap's answer and the settlement.
  testing::SandboxProcess keap{roomy_sandbox(
      std::string(kGoals) +
      "faults: {latency_ms: 3000, route: \"POST /rest/v2/automations/goals/achieve\"}\n")};
  const auto cfg = config("  lease_duration: 4s\n", "info", &keap);
  db.insert("ann", R"({"email":"ann@example.com"})");
  {
    auto first = start(cfg);
    ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
    const auto row = db.insert("ann", goal_row("purchased"), "goal");
    ASSERT_TRUE(eventually([&] { return goals_fired(keap).size() == 1; }, 20s));
    EXPECT_EQ(db.scalar("SELECT sent_at IS NOT NULL FROM keapsync.outbox WHERE id = " +
                        std::to_string(row)),
              "t");
    EXPECT_EQ(first.stop(SIGKILL), 128 + SIGKILL);
  }
  auto second = start(cfg);
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(goals_fired(keap).size(), 1u);
  const auto dead = db.scalar("SELECT id || ' ' || last_error FROM keapsync.outbox");
  EXPECT_NE(dead.find("it may have fired"), std::string::npos) << dead;
  // A retry of every dead row leaves it dead: it is for a person to check.
  auto all = testing::run_process({KEAPSYNC_BINARY, "dead", "retry", "-c", cfg, "--all"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("1 goal row(s) left dead: they may have fired already"), std::string::npos)
      << all.out;
  EXPECT_EQ(db.scalar("SELECT state FROM keapsync.outbox"), "dead");
  // The operator checked Keap and wants it sent: a retry by id sends it once more.
  testing::https_request("POST", keap.base_url() + "/_sandbox/faults", keap.ca_file(),
                         R"({"latency_ms":0})");
  const auto id = dead.substr(0, dead.find(' '));
  auto retry = testing::run_process({KEAPSYNC_BINARY, "dead", "retry", "-c", cfg, "--id", id});
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  ASSERT_TRUE(eventually([&] { return goals_fired(keap).size() == 2; }, 20s));
  ASSERT_TRUE(
      eventually([&] { return db.scalar("SELECT count(*) FROM keapsync.outbox") == "0"; }, 20s));
  EXPECT_EQ(second.stop(SIGTERM), 0);
}

TEST_F(Daemon, AGoalKeapAnswered500ToMayHaveFiredAndGoesDeadAsUncertain) {
  testing::SandboxProcess keap{roomy_sandbox(std::string(kGoals) +
                                             "faults: {error_rate: 1, error_status: 500, route: "
                                             "\"POST /rest/v2/automations/goals/achieve\"}\n")};
  db.insert("ann", R"({"email":"ann@example.com"})");
  const auto goal = db.insert("ann", goal_row("purchased"), "goal");
  auto daemon = start(config("", "info", &keap));
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  const auto error =
      db.scalar("SELECT last_error FROM keapsync.outbox WHERE id = " + std::to_string(goal));
  EXPECT_NE(error.find("may have fired"), std::string::npos) << error;
  ASSERT_TRUE(logged("\"status_port\""));
  const auto metrics = status_page(
      "/metrics", "keapsync_rows_dead_total{account=\"default\",reason_class=\"uncertain\"} 1");
  EXPECT_NE(
      metrics.find("keapsync_rows_dead_total{account=\"default\",reason_class=\"uncertain\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, AGoalThatFiredIsRecordedAtOnceNotOnlyWithItsContactsSettlement) {
  testing::SandboxProcess keap{roomy_sandbox(
      std::string(kGoals) +
      "faults: {latency_ms: 1500, route: \"POST /rest/v2/automations/goals/achieve\"}\n")};
  const auto cfg = config("  lease_duration: 6s\n", "info", &keap);
  db.insert("ann", R"({"email":"ann@example.com"})");
  {
    auto first = start(cfg);
    ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
    const auto one = db.insert("ann", goal_row("purchased"), "goal");
    const auto two = db.insert("ann", goal_row("refunded"), "goal");
    // The second is in Keap's hands: the first has its answer.
    ASSERT_TRUE(eventually([&] { return goals_fired(keap).size() == 2; }, 20s));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox WHERE id = " + std::to_string(one)),
              "0");
    EXPECT_EQ(first.stop(SIGKILL), 128 + SIGKILL);
    auto second = start(cfg);
    ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
    EXPECT_EQ(db.scalar("SELECT string_agg(id::text, ',') FROM keapsync.outbox"),
              std::to_string(two));  // only the one that may have fired, dead
    EXPECT_EQ(goals_fired(keap).size(), 2u);
    EXPECT_EQ(second.stop(SIGTERM), 0);
  }
}

}  // namespace
}  // namespace keapsync
