// `keapsync run` end to end: the daemon as a process, a real PostgreSQL, and
// `keapsync sandbox` as the Keap peer over verified TLS.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <pqxx/pqxx>

#include "daemon_fixture.hpp"
#include "support/run_process.hpp"
#include "support/test_database.hpp"

namespace keapsync {
namespace {

TEST_F(Daemon, DeliversCoalescedChangesDeadLettersBadRowsAndStopsOnSigterm) {
  auto daemon = start(config());
  db.insert("alice", R"({"email":"alice@example.com","given_name":"Alice"})");
  db.insert("alice", R"({"family_name":"Liddell"})");
  db.insert("bob", R"({"email":"bob@example.com","tags_add":["VIP"]})");
  const auto bad = db.insert("carol", R"({"emali":"carol@example.com"})");
  ASSERT_TRUE(db.drained(30s)) << testing::read_file(log_file);

  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 2u) << boost::json::serialize(contacts);
  std::map<std::string, boost::json::object> by_email;
  for (const auto& c : contacts)
    by_email[email_of(c)] = c.as_object();
  ASSERT_EQ(by_email.count("alice@example.com"), 1u);
  EXPECT_EQ(by_email["alice@example.com"].at("given_name").as_string(), "Alice");
  EXPECT_EQ(by_email["alice@example.com"].at("family_name").as_string(), "Liddell");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "2");
  EXPECT_EQ(db.scalar("SELECT id || ' ' || last_error FROM keapsync.outbox WHERE state = 'dead'"),
            std::to_string(bad) + " payload.emali: unknown key (did you mean \"email\"?)");

  // A changed e-mail updates the same Keap contact (by its remembered id).
  db.insert("alice", R"({"email":"alice@new.example"})");
  ASSERT_TRUE(db.drained(30s));
  const auto after = sandbox_contacts();
  EXPECT_EQ(after.size(), 2u);
  std::set<std::string> emails;
  for (const auto& c : after)
    emails.insert(email_of(c));
  EXPECT_EQ(emails.count("alice@new.example"), 1u);

  // The status endpoint tells the operator the same.
  EXPECT_NE(status_page("/readyz", "200 OK").find("200 OK"), std::string::npos);
  const auto metrics =
      status_page("/metrics", "keapsync_rows_delivered_total{account=\"default\"} 4");
  for (const char* expected : {
           "keapsync_rows_delivered_total{account=\"default\"} 4",
           "keapsync_account_state{account=\"default\",state=\"ok\"} 1",
           "keapsync_rows_dead_total{account=\"default\",reason_class=\"payload\"} 1",
           "keapsync_keap_requests_total{account=\"default\",method=\"POST\",route=\"/rest/v2/"
           "contacts\",status=\"201\"} 2",
           "keapsync_keap_requests_total{account=\"default\",method=\"PATCH\",route=\"/rest/v2/"
           "contacts/{id}\",status=\"200\"} 1",
           "keapsync_keap_request_duration_seconds_count{account=\"default\",route=\"/rest/v2/"
           "contacts/{id}\"} 2",  // the GET of the merge, then the PATCH
           "keapsync_rate_limit_remaining{account=\"default\",window=\"product_quota_day\"} ",
       }) {
    EXPECT_NE(metrics.find(expected), std::string::npos) << expected << "\n" << metrics;
  }

  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  const auto log = testing::read_file(log_file);
  EXPECT_NE(log.find("\"msg\":\"stopped\""), std::string::npos) << log;
  EXPECT_EQ(log.find(kApiKey), std::string::npos) << "the API key reached the log";
  // Only API keys here: no OAuth tokens to store, so no warning about their encryption.
  EXPECT_EQ(log.find("stored unencrypted"), std::string::npos) << log;
}

TEST_F(Daemon, NeverDumpsCore) {
  auto daemon = start(config());
  ASSERT_TRUE(logged("\"msg\":\"keapsync started\"")) << testing::read_file(log_file);
  const auto limits = testing::read_file("/proc/" + std::to_string(daemon.pid()) + "/limits");
  EXPECT_NE(limits.find("Max core file size        0                    0"), std::string::npos)
      << limits;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, SighupAppliesTheLogLevelAndRefusesABadFileWithoutStopping) {
  auto daemon = start(config("", "info"));
  db.insert("dora", R"({"email":"dora@example.com"})");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(testing::read_file(log_file).find("\"level\":\"debug\""), std::string::npos);

  config("", "debug");
  ::kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(logged("\"msg\":\"configuration reloaded\"")) << testing::read_file(log_file);
  db.insert("dora", R"({"given_name":"Dora"})");
  ASSERT_TRUE(logged("\"msg\":\"contact delivered\"")) << testing::read_file(log_file);
  EXPECT_NE(testing::read_file(log_file).find("\"level\":\"debug\""), std::string::npos);

  // A typo in the file: refused, named, and the daemon goes on delivering.
  config("  concurency: 8\n");
  ::kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(logged("\"msg\":\"reload refused")) << testing::read_file(log_file);
  EXPECT_NE(testing::read_file(log_file).find("worker.concurency: unknown key"), std::string::npos);
  db.insert("dora", R"({"family_name":"Explorer"})");
  ASSERT_TRUE(logged("\"msg\":\"contact delivered\"", 2)) << testing::read_file(log_file);

  // What a reload cannot apply is named, not silently ignored.
  config("  concurrency: 8\n");
  ::kill(daemon.pid(), SIGHUP);
  ASSERT_TRUE(logged("\"restart_needed_for\":\"worker\"")) << testing::read_file(log_file);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, TransientKeapFailuresAreRetriedUntilDelivered) {
  // Half of all API calls fail with 503: every row still arrives.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"error_rate":0.5,"error_status":503})");
  auto daemon = start(config("  max_attempts: 50\n"));
  for (int i = 0; i < 20; ++i) {
    db.insert("c" + std::to_string(i), R"({"email":"c)" + std::to_string(i) + R"(@example.com"})");
  }
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(sandbox_contacts().size(), 20u);
  const auto metrics = status_page(
      "/metrics", "keapsync_rows_retried_total{account=\"default\",error_class=\"transient\"}");
  EXPECT_NE(
      metrics.find("keapsync_rows_retried_total{account=\"default\",error_class=\"transient\"}"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("method=\"POST\",route=\"/rest/v2/contacts\",status=\"503\"}"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ADeliverySlowerThanItsLeaseKeepsTheLeaseAndIsSentOnce) {
  // Keap answers each call after 3 s; the contact needs four calls (create,
  // find the tag, create it, apply it): 12 s, longer than the 10 s lease,
  // which is renewed every sixth of it. Each call stays within half a lease.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":3000})");
  auto daemon = start(config("  lease_duration: 10s\n"));
  db.insert("slow", R"({"email":"slow@example.com","tags_add":["Slow"]})");
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  const auto stats = boost::json::parse(
      testing::https_request("GET", sandbox.base_url() + "/_sandbox/stats", sandbox.ca_file())
          .body);
  for (const auto* route : {"POST /rest/v2/contacts", "POST /rest/v2/tags"}) {
    std::int64_t posts = 0;
    for (const auto& [status, n] : stats.at("routes").at(route).as_object())
      posts += n.as_int64();
    EXPECT_EQ(posts, 1) << route << ": " << boost::json::serialize(stats);
  }
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  EXPECT_EQ(testing::read_file(log_file).find("lease"), std::string::npos)
      << testing::read_file(log_file);
}

TEST_F(Daemon, ADeliveryWhoseLeaseIsNotRenewedStopsBeforeTheNewerDeliveryOfItsContact) {
  // Keap answers after 300 ms; the lease is 6 s. The first row adds ten tags:
  // 31 calls, about 10 s.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":300})");
  auto daemon = start(config("  lease_duration: 6s\n"));
  std::string tags;
  for (int i = 0; i < 10; ++i)
    tags += std::string(i ? "," : "") + "\"T" + std::to_string(i) + "\"";
  db.insert("x", R"({"email":"x@example.com","tags_add":[)" + tags + "]}");
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (sandbox_contacts().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(sandbox_contacts().size(), 1u);

  // As when renewals stop reaching the database while the delivery goes on: a
  // transaction holds the lane (renewals skip it), ends its lease, and queues
  // a newer row that removes every tag again.
  pqxx::connection conn(db.url());
  pqxx::work tx(conn);
  tx.exec("SELECT 1 FROM keapsync.lane WHERE contact_ref = 'x' FOR UPDATE");
  tx.exec(
      "UPDATE keapsync.lane SET lease_until = now() - interval '1 second'"
      " WHERE contact_ref = 'x'");
  tx.exec_params("INSERT INTO keapsync.outbox (contact_ref, payload) VALUES ('x', $1)",
                 R"({"email":"x@example.com","tags_remove":[)" + tags + "]}");
  ASSERT_TRUE(logged("delivery stopped: the lease is no longer certain"))
      << testing::read_file(log_file);
  tx.commit();  // the lane is free: the newer row goes out

  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 1u);
  // Keap holds what the newest row says: no tag. Had the first delivery gone
  // on past its fence, it would have applied tags after they were removed.
  EXPECT_TRUE(contacts[0].at("tag_ids").as_array().empty()) << boost::json::serialize(contacts);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, LosingTheDatabaseMidDeliveryLosesNothingAndSendsNothingTwice) {
  // Keap answers after 1.5 s: the contact is in flight when the database goes.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":1500})");
  auto daemon = start(config("  lease_duration: 10s\n"));
  db.insert("ada", R"({"email":"ada@example.com"})");
  ASSERT_TRUE(logged("\"msg\":\"database reachable; claiming work\""));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (db.scalar("SELECT count(*) FROM keapsync.lane WHERE lease_token IS NOT NULL") != "1" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }

  // As in a PostgreSQL restart: every session of the database ends, new ones are refused.

  accept_connections(false);
  ASSERT_TRUE(logged("\"msg\":\"cannot settle the contact yet")) << testing::read_file(log_file);
  ASSERT_TRUE(logged("\"msg\":\"database unavailable; rows wait until it is back\""))
      << testing::read_file(log_file);
  accept_connections(true);

  // Keap got the change while the row could not be settled: it is settled as
  // soon as the database is back, within its lease, so Keap is not asked twice.
  ASSERT_TRUE(logged("\"msg\":\"database reachable; claiming work\"", 2))
      << testing::read_file(log_file);
  ASSERT_TRUE(logged("\"msg\":\"outbox notifications are back\"")) << testing::read_file(log_file);
  ASSERT_TRUE(db.drained(40s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(sandbox_contacts().size(), 1u);
  const auto stats = boost::json::parse(
      testing::https_request("GET", sandbox.base_url() + "/_sandbox/stats", sandbox.ca_file())
          .body);
  EXPECT_EQ(stats.at("routes").at("POST /rest/v2/contacts").at("201").as_int64(), 1)
      << boost::json::serialize(stats);
  EXPECT_FALSE(stats.at("routes").at("POST /rest/v2/contacts").as_object().contains("200"))
      << "delivered twice: " << boost::json::serialize(stats);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ThrottlingPausesTheAccountWithoutAStormOrALostRow) {
  // Keap allows this key 5 calls per 2 s: far less than keapsync's own limiter expects.
  testing::SandboxProcess tight{{KEAPSYNC_BINARY,
                                 std::string("api_keys: [") + kApiKey +
                                     "]\nrate_limits:\n  key_throttle: {limit: 5, "
                                     "window_seconds: 2}\n",
                                 {},
                                 "",
                                 20000ms}};
  auto daemon = start(config("  max_attempts: 2\n", "debug", &tight));
  for (int i = 0; i < 15; ++i) {
    db.insert("t" + std::to_string(i), R"({"email":"t)" + std::to_string(i) + R"(@example.com"})");
  }
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");  // none dead: not counted
  const auto stats = boost::json::parse(
      testing::https_request("GET", tight.base_url() + "/_sandbox/stats", tight.ca_file()).body);
  const auto& posts = stats.at("routes").at("POST /rest/v2/contacts").as_object();
  EXPECT_EQ(posts.at("201").as_int64(), 15);
  const auto throttled = posts.contains("429") ? posts.at("429").as_int64() : 0;
  EXPECT_GT(throttled, 0);
  // At most the 4 requests in flight per 2 s window (15 rows need 3 windows); a
  // client that retried at once would collect hundreds.
  EXPECT_LE(throttled, 12) << "a 429 storm";
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, KillMinus9LosesNothingAndTheContactsInFlightReturnWithinTheLease) {
  // Leases of contacts in flight at the kill expire 6 s after their last
  // renewal. (Keap's limits here let the second daemon go on at once.)
  testing::SandboxProcess roomy{roomy_sandbox("faults: {latency_ms: 200}\n")};
  const auto cfg = config("  lease_duration: 6s\n", "debug", &roomy);
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (contact_ref, payload) SELECT 'k' || i,"
        " jsonb_build_object('email', 'k' || i || '@example.com') FROM generate_series(0, 49) i");
    tx.commit();
  }
  auto first = start(cfg);
  // Kill it once it has delivered something, with contacts in flight. It is
  // frozen (SIGSTOP) while the lanes are read, so what is held stays held
  // until the kill; frozen between two claims, it is let go on.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::string held = "0";
  while (held == "0" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
    if (db.scalar("SELECT count(*) FROM keapsync.outbox") == "50") continue;
    ASSERT_EQ(::kill(first.pid(), SIGSTOP), 0);
    held = db.scalar("SELECT count(*) FROM keapsync.lane WHERE lease_token IS NOT NULL");
    if (held == "0") {
      ASSERT_EQ(::kill(first.pid(), SIGCONT), 0);
    }
  }
  EXPECT_EQ(first.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_NE(held, "0") << "nothing was in flight at the kill";
  const auto restarted = std::chrono::steady_clock::now();
  auto second = start(cfg);
  // 50 contacts at 200 ms, 4 at a time: 2.5 s of work after at most 6 s of lease.
  ASSERT_TRUE(db.drained(10s)) << testing::read_file(log_file);
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 10s);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  const auto contacts = boost::json::parse(
      testing::https_request("GET", roomy.base_url() + "/_sandbox/contacts", roomy.ca_file()).body);
  EXPECT_EQ(contacts.at("contacts").as_array().size(), 50u);  // upsert by e-mail: no duplicates
  EXPECT_EQ(second.stop(SIGTERM), 0);
}

// A line of /proc/PID/status ("VmHWM", "Threads") as its number (kB for sizes).
std::int64_t proc_status(int pid, const std::string& key) {
  const auto text = testing::read_file("/proc/" + std::to_string(pid) + "/status");
  const auto at = text.find("\n" + key + ":");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size() + 2));
}

TEST_F(Daemon, RowsOverACapGoDeadAtOnceNamingItAndTheDaemonStaysSmall) {
  auto daemon = start(config());
  std::string tags = "[", fields = "{";
  for (int i = 1; i <= 10000; ++i) {
    tags += (i > 1 ? "," : "") + std::to_string(i);
    fields += (i > 1 ? ",\"" : "\"") + std::to_string(i) + "\":\"x\"";
  }
  const std::map<std::int64_t, std::string> expected{
      {db.insert("big", R"({"given_name":")" + std::string(1 << 20, 'x') + "\"}"),
       "payload: too big: 1048594 bytes of JSON (at most 262144)"},
      {db.insert("tags", R"({"email":"tags@example.com","tags_add":)" + tags + "]}"),
       "payload.tags_add: too many tags: 10000 (at most 100)"},
      {db.insert("fields", R"({"email":"fields@example.com","custom_fields":)" + fields + "}}"),
       "payload.custom_fields: too many fields: 10000 (at most 100)"},
      // jsonb takes 40 levels (and far more); Boost.JSON's default limit is 32.
      {db.insert("deep", R"({"email":"deep@example.com","given_name":)" + std::string(40, '[') +
                             std::string(40, ']') + "}"),
       "payload: nested too deep: 41 levels (at most 8)"},
      {db.insert("key", "{\"" + std::string(5000, 'k') + "\":1}"),
       "payload." + std::string(64, 'k') +
           "...(a key of 5000 characters): unknown key (expected one of: email, email2, email3, "
           "given_name, middle_name, family_name, job_title, website, birth_date, phone, "
           "phone2, address, shipping_address, opt_in_reason, custom_fields, tags_add, "
           "tags_remove, keap)"},
  };
  db.insert("next", R"({"email":"next@example.com"})");
  EXPECT_TRUE(db.drained(20s));
  for (const auto& [id, reason] : expected) {
    EXPECT_EQ(db.scalar("SELECT coalesce((SELECT attempts || ' ' || state || ' ' || last_error"
                        " FROM keapsync.outbox WHERE id = " +
                        std::to_string(id) + "), 'delivered')"),
              "1 dead " + reason);
  }
  EXPECT_EQ(sandbox_contacts().size(), 1u);  // the neighbour went out, nothing else
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/tags/{id}/contacts:applyTags", "200"), 0);
  // Measured peak (VmHWM) after these rows: 19.3 MiB, 6 threads (26.7 MiB before the caps,
  // which parsed the 1 MiB row and sent the 10,000 custom fields). The bound is generous for
  // allocator noise, not for holding a huge row several times over. Under AddressSanitizer
  // (its shadow memory and quarantine) RSS says nothing about the code: printed only.
  const auto peak_kib = proc_status(daemon.pid(), "VmHWM");
  std::cout << "daemon VmHWM " << peak_kib << " kB, threads "
            << proc_status(daemon.pid(), "Threads") << "\n";
  EXPECT_GT(peak_kib, 0);
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(peak_kib, 64 * 1024);
#endif
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  const auto log = testing::read_file(log_file);
  EXPECT_EQ(log.find(std::string(65, 'k')), std::string::npos) << "the whole key was logged";
  EXPECT_EQ(log.find(std::string(1000, 'x')), std::string::npos) << "the payload was logged";
}

TEST_F(Daemon, RowsForAnAccountThisDaemonDoesNotServeWaitWithAWarningAndAMetric) {
  auto daemon = start(config());
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (account, contact_ref, payload) VALUES"
        " ('elsewhere', 'e1', '{\"email\":\"e1@example.com\"}'),"
        " ('elsewhere', 'e2', '{\"email\":\"e2@example.com\"}'),"
        " ('default', 'd1', '{\"email\":\"d1@example.com\"}')");
    tx.commit();
  }
  ASSERT_TRUE(logged("rows wait for an account this daemon is not configured for"))
      << testing::read_file(log_file);
  EXPECT_NE(status_page("/metrics", "keapsync_backlog_rows{account=\"elsewhere\"} 2")
                .find("keapsync_backlog_rows{account=\"elsewhere\"} 2"),
            std::string::npos);
  ASSERT_TRUE(eventually([&] { return sandbox_contacts().size() == 1; }, 20s));
  EXPECT_EQ(db.scalar("SELECT string_agg(contact_ref || ' ' || state || ' ' || attempts, ','"
                      " ORDER BY id) FROM keapsync.outbox WHERE account = 'elsewhere'"),
            "e1 pending 0,e2 pending 0");
  const auto log = testing::read_file(log_file);
  EXPECT_EQ(log.find("not configured for"), log.rfind("not configured for")) << "warned twice";
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, AnAccountsConfiguredLimitsSetItsLimiterAndItsConcurrency) {
  // An API key lowered to 600/min and 5/s: 5 calls in flight keep it there at
  // 1 s a call. The default account keeps Keap's limits for a key.
  const auto cfg = config();
  dir.write("keapsync.yaml", testing::read_file(cfg) +
                                 "  shared:\n    auth: api_key\n    requests_per_minute: 600\n"
                                 "    requests_per_second: 5\n    requests_per_day: 9000\n"
                                 "    api_key_file: " +
                                 dir.path() + "/api-key\n");
  auto daemon = start(cfg);
  ASSERT_TRUE(logged("\"msg\":\"keapsync started\"")) << testing::read_file(log_file);
  const auto log = testing::read_file(log_file);
  EXPECT_NE(log.find("\"msg\":\"account limits\",\"account\":\"shared\",\"concurrency\":5,"
                     "\"requests_per_minute\":600,\"requests_per_second\":5,"
                     "\"requests_per_day\":9000"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("\"msg\":\"account limits\",\"account\":\"default\",\"concurrency\":4,"
                     "\"requests_per_minute\":240,\"requests_per_second\":10,"
                     "\"requests_per_day\":30000"),
            std::string::npos)
      << log;
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, EachAccountKeepsToItsOwnConcurrency) {
  // "narrow" may have one contact in flight; "default" (an API key: 240/min,
  // 4/s) gets the 4 that keep it at that rate when Keap takes 1 s a call.
  testing::SandboxProcess roomy{roomy_sandbox("faults: {latency_ms: 300}\n")};
  const auto cfg = config("", "debug", &roomy);
  dir.write("keapsync.yaml", testing::read_file(cfg) +
                                 "  narrow:\n    auth: api_key\n    concurrency: 1\n"
                                 "    api_key_file: " +
                                 dir.path() + "/api-key\n");
  auto daemon = start(cfg);
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (account, contact_ref, payload)"
        " SELECT a, a || i, jsonb_build_object('email', a || i || '@example.com')"
        " FROM unnest(ARRAY['default', 'narrow']) a, generate_series(1, 12) i");
    tx.commit();
  }
  // Held lanes, polled on one connection (a poll takes about a millisecond;
  // each account keeps its contacts in flight for 300 ms at a time).
  std::map<std::string, int> most;
  pqxx::connection poll(db.url());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (bool pending = true; pending && std::chrono::steady_clock::now() < deadline;) {
    pqxx::read_transaction tx(poll);
    for (const auto& row : tx.exec(
             "SELECT account, count(*) FILTER (WHERE lease_token IS NOT NULL) FROM keapsync.lane"
             " GROUP BY account")) {
      auto& m = most[row[0].as<std::string>()];
      m = std::max(m, row[1].as<int>());
    }
    pending = tx.exec("SELECT 1 FROM keapsync.outbox LIMIT 1").size() == 1;
  }
  ASSERT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0") << testing::read_file(log_file);
  EXPECT_EQ(most["narrow"], 1) << testing::read_file(log_file);
  EXPECT_EQ(most["default"], 4) << testing::read_file(log_file);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ABlockedAccountHoldsNoSlotAndItsRowsWaitUntouched) {
  // "blocked" has a key Keap rejects, and 1,000 rows older than default's 100.
  const auto bad_key = dir.write_secret("bad-key", "KeapAK-rejected-0000000000000000\n");
  const auto cfg = config("  concurrency: 4\n");
  dir.write("keapsync.yaml", testing::read_file(cfg) +
                                 "  blocked:\n    auth: api_key\n"
                                 "    api_key_file: " +
                                 bad_key + "\n");
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (account, contact_ref, payload)"
        " SELECT 'blocked', 'b' || i, '{\"email\":\"b@example.com\"}' FROM generate_series(1, "
        "1000) i");
    tx.exec(
        "INSERT INTO keapsync.outbox (account, contact_ref, payload)"
        " SELECT 'default', 'd' || i, jsonb_build_object('email', 'd' || i || '@example.com')"
        " FROM generate_series(1, 100) i");
    tx.commit();
  }
  auto daemon = start(cfg);
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + 30s;
  while (db.scalar("SELECT count(*) FROM keapsync.outbox WHERE account = 'default'") != "0" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox WHERE account = 'default'"), "0")
      << testing::read_file(log_file);
  EXPECT_EQ(sandbox_contacts().size(), 100u);
  // Only the contacts in flight when Keap refused the key were touched; the
  // other rows were never claimed (no attempt, no error), and stay pending.
  const auto touched = std::stoi(db.scalar(
      "SELECT count(*) FROM keapsync.outbox WHERE account = 'blocked' AND last_error IS NOT NULL"));
  EXPECT_LE(touched, 4);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox WHERE account = 'blocked'"
                      " AND state = 'pending' AND attempts = 0"),
            "1000");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ABlockedAccountResumesWhenItsKeyFileIsFixedWithoutAClaimToAskIt) {
  // Its rows are parked while it is blocked, so only the periodic recheck
  // lets the credentials see the new file (re-read at most every 30 s).
  const auto cfg = config();
  const auto key_file = dir.write_secret("api-key", "KeapAK-rejected-0000000000000000\n");
  ASSERT_NE(testing::read_file(cfg).find(key_file), std::string::npos);
  auto daemon = start(cfg);
  db.insert("a", R"({"email":"a@example.com"})");
  db.insert("b", R"({"email":"b@example.com"})");
  ASSERT_TRUE(logged("Keap rejected the API key")) << testing::read_file(log_file);
  dir.write_secret("api-key", std::string(kApiKey) + "\n");
  ASSERT_TRUE(db.drained(75s)) << testing::read_file(log_file);
  EXPECT_TRUE(logged("the account is usable again"));
  EXPECT_EQ(sandbox_contacts().size(), 2u);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, AnOpenShopTransactionHoldsUpItsContactOnlyAndSigtermStillExitsInTime) {
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":300})");
  auto daemon = start(config("  lease_duration: 6s\n  shutdown_timeout: 3s\n"));
  db.insert("stuck", R"({"email":"stuck@example.com"})");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (db.scalar("SELECT count(*) FROM keapsync.lane WHERE lease_token IS NOT NULL") != "1" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  // The shop inserts for the contact being delivered and leaves its
  // transaction open: the trigger holds the contact's lane.
  pqxx::connection shop(db.url());
  pqxx::work shop_tx(shop);
  shop_tx.exec(
      "INSERT INTO keapsync.outbox (contact_ref, payload)"
      " VALUES ('stuck', '{\"email\":\"stuck@example.com\",\"given_name\":\"Late\"}')");
  for (int i = 0; i < 30; ++i)
    db.insert("o" + std::to_string(i), R"({"email":"o)" + std::to_string(i) + R"(@example.com"})");
  deadline = std::chrono::steady_clock::now() + 30s;
  while (db.scalar("SELECT count(*) FROM keapsync.outbox WHERE contact_ref <> 'stuck'") != "0" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox WHERE contact_ref <> 'stuck'"), "0")
      << "the other contacts stopped flowing\n"
      << testing::read_file(log_file);
  // The stuck lease ran out while the shop held the lane; nothing else did.
  deadline = std::chrono::steady_clock::now() + 20s;
  while (db.scalar("SELECT count(*) FROM keapsync.lane WHERE lease_until < now()") != "1" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s) << testing::read_file(log_file);
  shop_tx.commit();

  auto again = start(config("  lease_duration: 6s\n  shutdown_timeout: 3s\n"));
  ASSERT_TRUE(db.drained(30s)) << testing::read_file(log_file);
  bool late = false;
  for (const auto& c : sandbox_contacts())
    late = late || (c.as_object().contains("given_name") && c.at("given_name") == "Late");
  EXPECT_TRUE(late) << boost::json::serialize(sandbox_contacts());
  EXPECT_EQ(again.stop(SIGTERM), 0);
}

TEST_F(Daemon, AContactAShopHoldsAtSigtermIsSettledWhenTheShopCommits) {
  // Keap has the change by the time the shop lets go: settling it beats
  // sending it again after the restart.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":2000})");
  auto daemon = start(config("  lease_duration: 20s\n  shutdown_timeout: 15s\n"));
  db.insert("held", R"({"email":"held@example.com"})");
  ASSERT_TRUE(eventually(
      [&] {
        return db.scalar("SELECT count(*) FROM keapsync.lane WHERE lease_token IS NOT NULL") == "1";
      },
      20s));
  pqxx::connection shop(db.url());
  pqxx::work shop_tx(shop);
  shop_tx.exec(
      "INSERT INTO keapsync.outbox (contact_ref, payload)"
      " VALUES ('held', '{\"email\":\"held@example.com\",\"given_name\":\"Next\"}')");
  ASSERT_EQ(::kill(daemon.pid(), SIGTERM), 0);
  ASSERT_TRUE(logged("a shop transaction holds the contact; settling when it ends"))
      << testing::read_file(log_file);
  shop_tx.commit();
  EXPECT_EQ(daemon.stop(0), 0);  // signal 0: only waits for the exit under way
  // The delivered row is gone; the shop's new row waits for the next start.
  EXPECT_EQ(db.scalar("SELECT string_agg(coalesce(payload->>'given_name', '(first)'), ','"
                      " ORDER BY id) FROM keapsync.outbox"),
            "Next");
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/contacts", "201"), 1);
}

TEST_F(Daemon, TwoDaemonsCreateANewTagNameOnce) {
  // Every new contact adds the same new tag; eight deliveries in two daemons
  // miss it at once. (Each daemon keeps to an API key's limits; this Keap
  // lets the two share the key without a 429.)
  testing::SandboxProcess roomy{roomy_sandbox("faults: {latency_ms: 50}\n")};
  const auto cfg = config("  concurrency: 4\n", "debug", &roomy);
  auto first = start(cfg);
  auto second =
      testing::BackgroundProcess({KEAPSYNC_BINARY, "run", "-c", cfg}, dir.path() + "/second.log");
  ASSERT_TRUE(logged("\"msg\":\"database reachable; claiming work\""));
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (contact_ref, payload) SELECT 'v' || i,"
        " jsonb_build_object('email', 'v' || i || '@example.com', 'tags_add', "
        "jsonb_build_array('VIP'))"
        " FROM generate_series(1, 200) i");
    tx.commit();
  }
  ASSERT_TRUE(db.drained(120s)) << testing::read_file(log_file);
  const auto stats = boost::json::parse(
      testing::https_request("GET", roomy.base_url() + "/_sandbox/stats", roomy.ca_file()).body);
  EXPECT_EQ(stats.at("routes").at("POST /rest/v2/tags").at("201").as_int64(), 1)
      << boost::json::serialize(stats);
  const auto contacts = boost::json::parse(
      testing::https_request("GET", roomy.base_url() + "/_sandbox/contacts", roomy.ca_file()).body);
  std::set<std::string> tag_ids;
  ASSERT_EQ(contacts.at("contacts").as_array().size(), 200u);
  for (const auto& c : contacts.at("contacts").as_array()) {
    ASSERT_EQ(c.at("tag_ids").as_array().size(), 1u) << boost::json::serialize(c);
    tag_ids.insert(std::string(c.at("tag_ids").as_array()[0].as_string()));
  }
  EXPECT_EQ(tag_ids.size(), 1u);
  EXPECT_EQ(first.stop(SIGTERM), 0);
  EXPECT_EQ(second.stop(SIGTERM), 0);
}

TEST_F(Daemon, ATagCreateKeapCarriesOutAfterItsDeadlineIsNotRepeated) {
  // Keap creates the tag 4 s after the POST arrives; keapsync gives up on the
  // answer after 3 s (half a lease). Whoever looks next must look after that.
  testing::SandboxProcess late{roomy_sandbox(
      "faults: {route: \"POST /rest/v2/tags\", latency_ms: 4000, apply_after_latency: true}\n")};
  auto daemon = start(config("  lease_duration: 6s\n  concurrency: 4\n", "debug", &late));
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO keapsync.outbox (contact_ref, payload) SELECT 'late' || i,"
        " jsonb_build_object('email', 'late' || i || '@example.com', 'tags_add',"
        " jsonb_build_array('Late')) FROM generate_series(1, 8) i");
    tx.commit();
  }
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");  // none dead
  // The sandbox refuses a second tag of a name (409); a Keap that made a
  // duplicate instead would have been sent the same request.
  EXPECT_EQ(requests(late, "POST /rest/v2/tags", "201"), 1);
  EXPECT_EQ(requests(late, "POST /rest/v2/tags", "409"), 0) << "a second create was sent";
  const auto contacts = sandbox_contacts(late);
  ASSERT_EQ(contacts.size(), 8u);
  for (const auto& c : contacts)
    EXPECT_EQ(c.at("tag_ids").as_array().size(), 1u) << boost::json::serialize(c);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ATagDeletedInKeapIsResolvedAgain) {
  // keapsync knows "Gone" by an id Keap no longer has: the apply answers 404.
  db.scalar(
      "WITH t AS (INSERT INTO keapsync.tag_name (account, name, keap_id)"
      " VALUES ('default', 'Gone', 987654) RETURNING 1) SELECT count(*) FROM t");
  auto daemon = start(config());
  db.insert("g", R"({"email":"g@example.com","tags_add":["Gone"]})");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");  // delivered, not dead
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 1u);
  ASSERT_EQ(contacts[0].at("tag_ids").as_array().size(), 1u);
  EXPECT_EQ(db.scalar("SELECT keap_id::text FROM keapsync.tag_name WHERE name = 'Gone'"),
            std::string(contacts[0].at("tag_ids").as_array()[0].as_string()));
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ARequestThatNeverLeftCountsNoAttempt) {
  // Nothing listens where Keap should be: every connect is refused.
  const auto cfg = config("  max_attempts: 2\n");
  auto text = testing::read_file(cfg);
  const auto at = text.find(sandbox.base_url() + "/crm");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, sandbox.base_url().size() + 4, "https://127.0.0.1:1/crm");
  dir.write("keapsync.yaml", text);
  auto daemon = start(cfg);
  db.insert("far", R"({"email":"far@example.com"})");
  ASSERT_TRUE(logged("\"msg\":\"Keap request failed\"", 4)) << testing::read_file(log_file);
  // Four tries with max_attempts 2, and the row is still pending without an attempt.
  EXPECT_EQ(db.scalar("SELECT state || ' ' || attempts FROM keapsync.outbox"), "pending 0");
  EXPECT_NE(db.scalar("SELECT last_error FROM keapsync.outbox").find("connect"), std::string::npos);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, RefusesAnUnmigratedDatabase) {
  testing::TestDatabase empty;
  const auto key = dir.write_secret("k", std::string(kApiKey));
  const auto cfg =
      dir.write("c.yaml", "database:\n  url: \"" + empty.url() +
                              "\"\nlisten: 127.0.0.1:0\naccounts:\n  default:\n    auth: api_key\n"
                              "    api_key_file: " +
                              key + "\n");
  auto daemon = testing::BackgroundProcess({KEAPSYNC_BINARY, "run", "-c", cfg}, log_file);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (daemon.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(daemon.stop(SIGKILL), 1);
  EXPECT_NE(testing::read_file(log_file).find("run keapsync migrate first"), std::string::npos);
}

// The line of the daemon's log that holds `text` ("" when none).
std::string log_line(const std::string& log, const std::string& text) {
  const auto at = log.find(text);
  if (at == std::string::npos) return "";
  const auto start = log.rfind('\n', at);
  const auto begin = start == std::string::npos ? 0 : start + 1;
  return log.substr(begin, log.find('\n', at) - begin);
}

TEST_F(Daemon, LogsTheTrustStoreItVerifiesKeapWith) {
  auto daemon = start(config());
  ASSERT_TRUE(logged("\"msg\":\"TLS trust store\"")) << testing::read_file(log_file);
  const auto line = log_line(testing::read_file(log_file), "\"msg\":\"TLS trust store\"");
  EXPECT_NE(line.find("\"source\":\"keap.ca_file\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"file\":\"" + sandbox.ca_file() + "\""), std::string::npos) << line;
  // The trust store is logged before the signal handlers are in place: a
  // SIGTERM sent at once could end the process by its default action (143).
  ASSERT_TRUE(logged("keapsync started")) << testing::read_file(log_file);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, AProxyPasswordIsNeverPrinted) {
  const auto result =
      testing::run_process({KEAPSYNC_BINARY, "run", "-c", config()},
                           {{"HTTPS_PROXY", "http://squid:hunter2@127.0.0.1:3128"}});
  EXPECT_EQ(result.exit_code, 78) << result.err;
  EXPECT_NE(result.err.find("HTTPS_PROXY: invalid URL 'http://squid:***@127.0.0.1:3128'"),
            std::string::npos)
      << result.err;
  EXPECT_EQ((result.out + result.err).find("hunter2"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace keapsync
