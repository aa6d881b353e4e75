// Tests of the /healthz and /readyz rules with a manual clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "engine/health_state.hpp"

namespace keapsync::engine {
namespace {

using auth::AccountState;

using namespace std::chrono_literals;

struct ManualClock {
  HealthState::TimePoint now{std::chrono::hours(1000)};
  HealthState::Clock clock() {
    return [this] { return now; };
  }
};

// A state that is ready: database reachable, schema current, one usable account.
void make_ready(HealthState& health) {
  health.set_database_reachable(true);
  health.set_schema_current(true);
  health.set_account("shop", AccountState::ok);
}

std::vector<std::string> reasons_of(const HealthReport& report) {
  return report.reasons;
}

TEST(HealthState, LivenessFailsOnlyWhenTheLoopStalls) {
  ManualClock time;
  HealthState health(HealthRules{60s}, time.clock());
  EXPECT_TRUE(health.liveness().ok);  // construction counts as a tick
  time.now += 60s;
  EXPECT_TRUE(health.liveness().ok);
  time.now += 1ms;
  auto stalled = health.liveness();
  EXPECT_FALSE(stalled.ok);
  EXPECT_EQ(reasons_of(stalled), std::vector<std::string>{"loop_stalled"});
  auto body = boost::json::parse(stalled.body).as_object();
  EXPECT_EQ(body.at("status"), "fail");
  EXPECT_NEAR(body.at("loop_age_seconds").as_double(), 60.001, 1e-6);
  health.loop_tick();
  EXPECT_TRUE(health.liveness().ok);
  // A lost database does not fail liveness: a restart would not bring it back.
  health.set_database_reachable(false);
  EXPECT_TRUE(health.liveness().ok);
}

TEST(HealthState, NotReadyUntilTheDaemonConfirmsDatabaseSchemaAndAccounts) {
  ManualClock time;
  HealthState health({}, time.clock());
  auto report = health.readiness();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(reasons_of(report), (std::vector<std::string>{"database_unreachable",
                                                          "schema_not_current", "no_accounts"}));
  make_ready(health);
  report = health.readiness();
  EXPECT_TRUE(report.ok) << report.body;
  auto body = boost::json::parse(report.body).as_object();
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_TRUE(body.at("reasons").as_array().empty());
  EXPECT_EQ(body.at("accounts").as_object().at("shop"), "ok");
  EXPECT_TRUE(body.at("last_claim_age_seconds").is_null());
}

TEST(HealthState, ReadyWhileAtLeastOneAccountIsUsable) {
  ManualClock time;
  HealthState health({}, time.clock());
  make_ready(health);
  health.set_account("shop", AccountState::reauthorization_required);
  EXPECT_EQ(reasons_of(health.readiness()), std::vector<std::string>{"no_usable_account"});
  health.set_account("other", AccountState::credentials_rejected);
  EXPECT_EQ(reasons_of(health.readiness()), std::vector<std::string>{"no_usable_account"});
  health.set_account("other", AccountState::throttled);  // heals by itself: usable
  EXPECT_TRUE(health.readiness().ok);

  HealthState empty({}, time.clock());
  empty.set_database_reachable(true);
  empty.set_schema_current(true);
  EXPECT_EQ(reasons_of(empty.readiness()), std::vector<std::string>{"no_accounts"});
}

TEST(HealthState, ReadinessSaysWhyAnAccountIsBlocked) {
  ManualClock time;
  HealthState health({}, time.clock());
  make_ready(health);
  health.set_account("shop", AccountState::reauthorization_required,
                     "invalid_grant — the refresh token had already been sent at T");
  auto body = boost::json::parse(health.readiness().body).as_object();
  EXPECT_EQ(body.at("account_reasons").at("shop").as_string(),
            "invalid_grant — the refresh token had already been sent at T");
  health.set_account("shop", AccountState::ok);  // healed: the reason goes
  body = boost::json::parse(health.readiness().body).as_object();
  EXPECT_TRUE(body.at("account_reasons").as_object().empty());
}

TEST(HealthState, DatabaseSchemaStallAndShutdownEachFailReadiness) {
  ManualClock time;
  HealthState health(HealthRules{10s}, time.clock());
  make_ready(health);
  health.set_database_reachable(false);
  EXPECT_EQ(reasons_of(health.readiness()), std::vector<std::string>{"database_unreachable"});
  health.set_database_reachable(true);
  health.set_schema_current(false);
  EXPECT_EQ(reasons_of(health.readiness()), std::vector<std::string>{"schema_not_current"});
  health.set_schema_current(true);
  time.now += 11s;
  EXPECT_EQ(reasons_of(health.readiness()), std::vector<std::string>{"loop_stalled"});
  health.loop_tick();
  EXPECT_TRUE(health.readiness().ok);
  health.set_shutting_down();
  EXPECT_EQ(reasons_of(health.readiness()), std::vector<std::string>{"shutting_down"});
  EXPECT_TRUE(health.liveness().ok);
}

TEST(HealthState, ListenAndLastClaimAreReportedButDoNotFailReadiness) {
  ManualClock time;
  HealthState health({}, time.clock());
  make_ready(health);
  health.set_listen_connected(false);
  health.claim_succeeded();
  time.now += 2500ms;
  auto report = health.readiness();
  EXPECT_TRUE(report.ok);
  auto body = boost::json::parse(report.body).as_object();
  EXPECT_EQ(body.at("listen"), false);
  EXPECT_NEAR(body.at("last_claim_age_seconds").as_double(), 2.5, 1e-9);
  health.set_listen_connected(true);
  EXPECT_EQ(boost::json::parse(health.readiness().body).at("listen"), true);
}

}  // namespace
}  // namespace keapsync::engine
