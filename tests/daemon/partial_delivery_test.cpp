// A delivery that stops part-way (an error, a kill): what reached Keap is not
// made again by the retry, and an error does not bury it.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "daemon_fixture.hpp"

namespace keapsync {
namespace {

// Inserts the rows of one contact in one transaction, so one claim takes them all.
void insert_together(testing::MigratedDatabase& db, const std::string& ref,
                     const std::vector<std::pair<std::string, std::string>>& rows) {
  pqxx::connection conn(db.url());
  pqxx::work tx(conn);
  for (const auto& [op, payload] : rows)
    tx.exec_params(
        "INSERT INTO keapsync.outbox (contact_ref, op, payload) VALUES ($1, $2, $3::jsonb)", ref,
        op, op == "delete" ? std::optional<std::string>() : std::optional<std::string>(payload));
  tx.commit();
}

TEST_F(Daemon, APermanentErrorLateInThePlanBuriesOnlyTheRowsOfThatStep) {
  // Tag 999999 does not exist: its apply answers 404, after the fields went in.
  insert_together(db, "pat",
                  {{"upsert", R"({"email":"pat@example.com","given_name":"Pat"})"},
                   {"upsert", R"({"tags_add":[999999]})"},
                   {"upsert", R"({"family_name":"Lee"})"}});
  auto daemon = start(config());
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT string_agg(payload::text, ',') FROM keapsync.outbox"
                      " WHERE state = 'dead'"),
            R"({"tags_add": [999999]})");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "1");
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].at("given_name"), "Pat");
  EXPECT_EQ(contacts[0].at("family_name"), "Lee");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "1");
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, AFencedDeliverySettlesTheRowsKeapAlreadyHas) {
  // Ten new tags at 300 ms a call outlast the 6 s lease; a transaction holds
  // the lane from after the create, so no renewal lands and the fence closes.
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
                         R"({"latency_ms":300})");
  std::string tags;
  for (int i = 0; i < 10; ++i)
    tags += std::string(i ? "," : "") + "\"F" + std::to_string(i) + "\"";
  insert_together(db, "fen",
                  {{"upsert", R"({"email":"fen@example.com","given_name":"Fen"})"},
                   {"upsert", R"({"tags_add":[)" + tags + "]}"}});
  auto daemon = start(config("  lease_duration: 6s\n"));
  ASSERT_TRUE(eventually([&] { return !sandbox_contacts().empty(); }, 20s));
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec("SELECT 1 FROM keapsync.lane WHERE contact_ref = 'fen' FOR UPDATE");
    ASSERT_TRUE(logged("delivery stopped: the lease is no longer certain"))
        << testing::read_file(log_file);
    tx.commit();
  }
  ASSERT_TRUE(db.drained(60s)) << testing::read_file(log_file);
  // The first row went out with the create and was settled then: the retry
  // carries the tags alone, and the contact is written once.
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/contacts", "201"), 1);
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/contacts", "200"), 0);
  EXPECT_EQ(requests(sandbox, "PATCH /rest/v2/contacts/{id}", "200"), 0);
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].at("tag_ids").as_array().size(), 10u) << boost::json::serialize(contacts);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

TEST_F(Daemon, ARetryAfterADeleteAndACreateNeitherDeletesNorCreatesAgain) {
  auto daemon = start(config());
  db.insert("dee", R"({"email":"dee@example.com"})");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  // Applying tags fails for now: the plan stops after its delete and its create.
  testing::https_request(
      "POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(),
      R"({"error_rate":1,"error_status":503,"route":"POST /rest/v2/tags/{id}/contacts:applyTags"})");
  insert_together(
      db, "dee", {{"delete", ""}, {"upsert", R"({"email":"dee@new.example","tags_add":["New"]})"}});
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (requests(sandbox, "POST /rest/v2/tags/{id}/contacts:applyTags", "503") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  testing::https_request("POST", sandbox.base_url() + "/_sandbox/faults", sandbox.ca_file(), "{}");
  ASSERT_TRUE(db.drained(20s)) << testing::read_file(log_file);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(requests(sandbox, "DELETE /rest/v2/contacts/{id}", "204"), 1);
  EXPECT_EQ(requests(sandbox, "POST /rest/v2/contacts", "201"), 2);  // dee, then the new dee
  const auto contacts = sandbox_contacts();
  ASSERT_EQ(contacts.size(), 1u) << boost::json::serialize(contacts);
  EXPECT_EQ(email_of(contacts[0]), "dee@new.example");
  EXPECT_EQ(contacts[0].at("tag_ids").as_array().size(), 1u);
  EXPECT_EQ(daemon.stop(SIGTERM), 0);
}

// Keap makes the contact at once and answers 2 s later: time to kill the
// daemon after a phone-only create and before it learns the id.
class PhoneOnly : public Daemon {
 protected:
  // `known_id`: the id keapsync holds beforehand (one Keap no longer has), or "".
  void phone_only_create_killed_before_its_settlement(const std::string& known_id) {
    if (!known_id.empty()) {
      db.scalar(
          "WITH m AS (INSERT INTO keapsync.contact_map (account, contact_ref, keap_id)"
          " VALUES ('default', 'phil', '" +
          known_id + "') RETURNING 1) SELECT count(*) FROM m");
    }
    testing::SandboxProcess slow{roomy_sandbox("faults: {latency_ms: 2000}\n")};
    const auto cfg = config("  lease_duration: 6s\n", "debug", &slow);
    auto daemon = start(cfg);
    db.insert("phil", R"({"phone":"+1 555 0199","given_name":"Phil"})");
    const auto contacts = [&] {
      return boost::json::parse(testing::https_request(
                                    "GET", slow.base_url() + "/_sandbox/contacts", slow.ca_file())
                                    .body)
          .at("contacts")
          .as_array();
    };
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (contacts().empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    ASSERT_EQ(contacts().size(), 1u) << testing::read_file(log_file);
    daemon.stop(SIGKILL);
    ASSERT_EQ(db.scalar("SELECT count(*) || ' ' || coalesce(max(keap_id), '')"
                        " FROM keapsync.contact_map"),
              known_id.empty() ? "0 " : "1 " + known_id);

    auto again = start(cfg);
    ASSERT_TRUE(db.drained(30s)) << testing::read_file(log_file);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
    const auto after = contacts();
    ASSERT_EQ(after.size(), 1u) << boost::json::serialize(after);
    EXPECT_EQ(db.scalar("SELECT keap_id FROM keapsync.contact_map"),
              std::string(after[0].at("id").as_string()));
    EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_create"), "0");
    EXPECT_EQ(requests(slow, "POST /rest/v2/contacts", "201"), 1);
    EXPECT_EQ(again.stop(SIGTERM), 0);
  }
};

TEST_F(PhoneOnly, AContactKilledBetweenCreateAndSettleIsCreatedOnce) {
  phone_only_create_killed_before_its_settlement("");
}

// keapsync knew the contact by an id Keap no longer has (deleted there): the
// create happens after a 404, and the redelivery gets that 404 again first.
TEST_F(PhoneOnly, AContactRecreatedAfterA404AndKilledBeforeTheSettleIsCreatedOnce) {
  phone_only_create_killed_before_its_settlement("987654");
}

}  // namespace
}  // namespace keapsync
