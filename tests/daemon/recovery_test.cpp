// Recovery with processes where processes are the point: a contact that takes
// the daemon down, the database going away mid-drain, two daemons whose lease
// renewals an open shop transaction blocks.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <vector>

#include <pqxx/pqxx>

#include "daemon_fixture.hpp"
#include "support/test_database.hpp"

namespace keapsync {
namespace {

TEST_F(Daemon, AContactThatTakesTheDaemonDownEachTimeIsBuriedAfterFiveClaims) {
  // Each time the daemon has claimed "crash" it dies (as a payload that crashes
  // it would make it), before any settlement.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":1500})");
  const auto cfg = config("  lease_duration: 4s\n");
  const auto row = db.insert("crash", R"({"email":"crash@example.com"})");
  for (int claim = 1; claim <= 5; ++claim) {
    auto daemon = start(cfg);
    ASSERT_TRUE(eventually(
        [&] {
          return db.scalar("SELECT count(*) FROM keapsync.lane WHERE claims = " +
                           std::to_string(claim) + " AND lease_token IS NOT NULL") == "1";
        },
        20s))
        << "claim " << claim << "\n"
        << testing::read_file(log_file);
    EXPECT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
  }
  EXPECT_EQ(db.scalar("SELECT state FROM keapsync.outbox WHERE id = " + std::to_string(row)),
            "pending");
  auto daemon = start(cfg);
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT state || ': ' || last_error FROM keapsync.outbox WHERE id = " +
                      std::to_string(row))
                .rfind("dead: internal: delivering this contact ended 5 times in a row", 0),
            0u)
      << db.scalar("SELECT last_error FROM keapsync.outbox");
  // The contact no longer stands in the way of its later changes.
  db.insert("crash", R"({"email":"crash@example.com","given_name":"After"})");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox WHERE state = 'pending'"), "0");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, TheDatabaseGoingAwayMidDrainHoldsNoContactForALease) {
  // The lease is the default 30 s; a contact that waited for it would be late.
  testing::SandboxProcess keap{roomy_sandbox("faults: {latency_ms: 200}\n")};
  const auto cfg = config("  lease_duration: 30s\n", "debug", &keap);
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (contact_ref, payload) SELECT 'r' || i,"
        " jsonb_build_object('email', 'r' || i || '@example.com') FROM generate_series(1, 60) i");
    tx.commit();
  }
  auto daemon = start(cfg);
  ASSERT_TRUE(eventually(
      [&] {
        return std::stoi(db.scalar("SELECT count(*) FROM keapsync.outbox")) < 55 &&
               db.scalar("SELECT count(*) FROM keapsync.lane WHERE lease_token IS NOT NULL") != "0";
      },
      30s));
  // As in a PostgreSQL restart: every session ends, new ones are refused for a while.

  accept_connections(false);
  ASSERT_TRUE(logged("\"msg\":\"outbox notifications lost")) << testing::read_file(log_file);
  std::this_thread::sleep_for(1s);  // the outage: a second of refused connections
  accept_connections(true);
  const auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  // 60 contacts at 200 ms, 4 at a time, take 3 s; a lease is 30 s.
  EXPECT_LT(std::chrono::steady_clock::now() - back, 15s) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

// The fence itself is pinned down by ADeliveryWhoseLeaseIsNotRenewedStops… in
// run_test.cpp; this is the whole scene with two processes, and what it must end in.
TEST_F(Daemon, TwoDaemonsWhoseRenewalsAShopBlocksLeaveKeapWithTheNewestRows) {
  // Each delivery makes four calls of up to 1.4 s (a create, three tags): longer
  // than the 4 s lease, so it lives on renewals. Shop transactions hold the
  // lanes of contacts in flight for 6 s, so those renewals stop landing.
  testing::SandboxProcess keap{roomy_sandbox("faults: {latency_ms: 900, jitter_ms: 500}\n")};
  const auto cfg = config("  lease_duration: 4s\n  concurrency: 4\n", "debug", &keap);
  auto first = start(cfg);
  auto second =
      testing::BackgroundProcess({KEAPSYNC_BINARY, "run", "-c", cfg}, dir.path() + "/second.log");
  ASSERT_TRUE(logged("\"msg\":\"database reachable; claiming work\""));
  constexpr int kContacts = 12;
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO keapsync.outbox (contact_ref, payload) SELECT 's' || i,"
        " jsonb_build_object('email', 's' || i || '@example.com', 'given_name', 'v1',"
        " 'tags_add', jsonb_build_array('A', 'B', 'C')) FROM generate_series(1, $1) i",
        kContacts);
    tx.commit();
  }
  std::vector<std::string> held;
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = db.scalar(
            "SELECT coalesce(string_agg(contact_ref, ',' ORDER BY contact_ref), '')"
            " FROM keapsync.lane WHERE lease_token IS NOT NULL");
        if (std::count(r.begin(), r.end(), ',') < 2) return false;
        held.clear();
        for (std::size_t at = 0; at <= r.size();) {
          const auto comma = std::min(r.find(',', at), r.size());
          held.push_back(r.substr(at, comma - at));
          at = comma + 1;
        }
        return true;
      },
      20s));
  std::vector<std::unique_ptr<pqxx::connection>> shops;
  std::vector<std::unique_ptr<pqxx::work>> open;
  for (const auto& ref : held) {
    shops.push_back(std::make_unique<pqxx::connection>(db.url()));
    open.push_back(std::make_unique<pqxx::work>(*shops.back()));
    open.back()->exec_params(
        "INSERT INTO keapsync.outbox (contact_ref, payload)"
        " VALUES ($1, jsonb_build_object('given_name', 'v2'))",
        ref);
  }
  std::this_thread::sleep_for(6s);  // the point: renewals blocked for longer than a lease
  for (auto& tx : open)
    tx->commit();
  ASSERT_TRUE(db.drained(90s)) << testing::read_file(log_file)
                               << testing::read_file(dir.path() + "/second.log");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  const auto contacts = boost::json::parse(
      testing::https_request("GET", keap.base_url() + "/_sandbox/contacts", keap.ca_file()).body);
  ASSERT_EQ(contacts.at("contacts").as_array().size(), static_cast<std::size_t>(kContacts));
  for (const auto& c : contacts.at("contacts").as_array()) {
    const auto email = email_of(c);
    const auto ref = email.substr(0, email.find('@'));
    const bool newer = std::find(held.begin(), held.end(), ref) != held.end();
    EXPECT_EQ(c.at("given_name"), newer ? "v2" : "v1") << ref;
    EXPECT_EQ(c.at("tag_ids").as_array().size(), 3u) << ref;
  }
  EXPECT_EQ(first.stop(SIGTERM), 0);
  EXPECT_EQ(second.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace keapsync
