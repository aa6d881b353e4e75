// E-mail opt-in statuses in the sandbox: GET and PATCH
// /rest/v2/emailAddresses/{email}/status (getEmailAddressStatus,
// updateEmailAddressOptStatus), the only-from-these-states opt-in rule, the
// status contacts show and keep across later writes, validation, and the log at
// GET /_sandbox/email_status (reset, --state).
#include "router_fixture.hpp"

namespace keapsync::sandbox::test {
namespace {

constexpr const char* kAnn = "/rest/v2/emailAddresses/ann%40example.com/status";

class EmailStatus : public RouterTest {
 protected:
  EmailStatus() { config.rate_limits.key_spike.limit = 0; }

  // A contact holding `email` as EMAIL1 (and more fields when given); its id.
  std::string contact(const std::string& email = "ann@example.com", const std::string& extra = {}) {
    auto res =
        api("POST", "/rest/v2/contacts",
            R"({"email_addresses":[{"email":")" + email + R"(","field":"EMAIL1"}])" + extra + "}");
    EXPECT_EQ(res.status, 201) << res.body;
    return std::string(body(res).at("id").as_string());
  }

  Response patch(const std::string& json, const std::string& target = kAnn) {
    return api("PATCH", target, json);
  }
  Response opt(bool in, const std::string& target = kAnn) {
    return patch(std::string(R"({"reason":"test","opted_in":)") + (in ? "true" : "false") + "}",
                 target);
  }

  // Sets a status as Keap would (a bounce, an unsubscribe link).
  void set_status(const std::string& email, const std::string& status) {
    auto res = call("POST", "/_sandbox/email_status", {{"content-type", "application/json"}},
                    R"({"email":")" + email + R"(","status":")" + status + R"(","reason":"hook"})");
    ASSERT_EQ(res.status, 200) << res.body;
    ASSERT_EQ(body(res).at("status").as_string(), status);
  }

  std::string status_of(const std::string& target = kAnn) {
    auto res = api("GET", target);
    EXPECT_EQ(res.status, 200) << res.body;
    return res.status == 200 ? std::string(body(res).at("status").as_string()) : "";
  }

  // The first e-mail address of contact `id` as GET /rest/v2/contacts/{id} shows it.
  json::object contact_email(const std::string& id) {
    auto res = api("GET", "/rest/v2/contacts/" + id);
    EXPECT_EQ(res.status, 200) << res.body;
    return body(res).at("email_addresses").at(0).as_object();
  }

  json::array changes() {
    return body(call("GET", "/_sandbox/email_status")).at("changes").as_array();
  }
};

TEST_F(EmailStatus, GetAnswersTheStatusOfAnAddressAContactHolds) {
  contact();
  const auto res = api("GET", kAnn);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body), json::parse(R"({"email":"ann@example.com","opted_in":false,
      "status":"UNENGAGED_MARKETABLE","create_time":"2026-01-01T12:00:00Z"})"));
  EXPECT_TRUE(changes().empty()) << "a first sight is not a change";
}

TEST_F(EmailStatus, AnOptOutMakesTheAddressManualEverywhereAndIsRecorded) {
  const auto id = contact();
  now += std::chrono::seconds{30};
  const auto res = patch(R"({"reason":"Asked by phone","opted_in":false})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body), json::parse(R"({"email":"ann@example.com","opted_in":false,
      "status":"MANUAL","create_time":"2026-01-01T12:00:00Z"})"));
  EXPECT_EQ(status_of(), "MANUAL");
  // The contact shows it, in the API and at /_sandbox/contacts.
  const auto e = contact_email(id);
  EXPECT_EQ(e.at("email_opt_status").as_string(), "MANUAL");
  EXPECT_FALSE(e.at("is_opt_in").as_bool());
  const auto all = body(call("GET", "/_sandbox/contacts")).at("contacts").as_array();
  EXPECT_EQ(all.at(0).at("email_addresses").at(0).at("email_opt_status").as_string(), "MANUAL");
  const auto log = changes();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], json::parse(R"({"email":"ann@example.com","opted_in":false,"status":"MANUAL",
      "from":"UNENGAGED_MARKETABLE","reason":"Asked by phone","source":"emailAddresses",
      "at":"2026-01-01T12:00:30Z"})"));
  // Once more: nothing changes, nothing is logged.
  ASSERT_EQ(opt(false).status, 200);
  EXPECT_EQ(changes().size(), 1u);
}

TEST_F(EmailStatus, AnOptInMovesEachOfTheFourAllowedStatusesToSingleOptIn) {
  for (const std::string from :
       {"UNENGAGED_MARKETABLE", "UNENGAGED_NON_MARKETABLE", "NON_MARKETABLE", "MANUAL"}) {
    SCOPED_TRACE(from);
    ASSERT_EQ(call("POST", "/_sandbox/reset").status, 200);
    const auto id = contact();
    if (from != "UNENGAGED_MARKETABLE") set_status("ann@example.com", from);
    const auto res = patch(R"({"reason":"Ticked the box","opted_in":true})");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(body(res).at("status").as_string(), "SINGLE_OPT_IN");
    EXPECT_TRUE(body(res).at("opted_in").as_bool());
    EXPECT_EQ(contact_email(id).at("email_opt_status").as_string(), "SINGLE_OPT_IN");
    EXPECT_TRUE(contact_email(id).at("is_opt_in").as_bool());
    const auto log = changes();
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back().at("from").as_string(), from);
    EXPECT_EQ(log.back().at("status").as_string(), "SINGLE_OPT_IN");
    EXPECT_TRUE(log.back().at("opted_in").as_bool());
    EXPECT_EQ(log.back().at("reason").as_string(), "Ticked the box");
  }
}

TEST_F(EmailStatus, AnOptInLeavesEveryOtherStatusAsItIsAndStillAnswers200) {
  for (const std::string from :
       {"LIST_UNSUBSCRIBE", "SYSTEM", "ADMIN", "LOCKDOWN", "BOUNCE", "HARD_BOUNCE", "FEEDBACK",
        "SPAM", "INVALID", "DEACTIVATED", "SINGLE_OPT_IN", "DOUBLE_OPT_IN", "CONFIRMED"}) {
    SCOPED_TRACE(from);
    ASSERT_EQ(call("POST", "/_sandbox/reset").status, 200);
    const auto id = contact();
    set_status("ann@example.com", from);
    const auto logged = changes().size();
    const auto res = opt(true);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(body(res).at("status").as_string(), from);
    EXPECT_EQ(body(res).at("opted_in").as_bool(),
              from == "SINGLE_OPT_IN" || from == "DOUBLE_OPT_IN" || from == "CONFIRMED");
    EXPECT_EQ(contact_email(id).at("email_opt_status").as_string(), from);
    EXPECT_EQ(changes().size(), logged) << "no change, nothing logged";
  }
}

TEST_F(EmailStatus, AnOptOutLeavesBouncedAndUnsubscribedAddressesAsTheyAre) {
  contact();
  set_status("ann@example.com", "DOUBLE_OPT_IN");
  auto res = opt(false);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("status").as_string(), "MANUAL");
  for (const std::string from : {"LIST_UNSUBSCRIBE", "HARD_BOUNCE", "SPAM", "SYSTEM"}) {
    SCOPED_TRACE(from);
    set_status("ann@example.com", from);
    res = opt(false);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(body(res).at("status").as_string(), from)
        << "an opt-out must not make the address one an opt-in can move";
    EXPECT_EQ(body(opt(true)).at("status").as_string(), from);
  }
}

TEST_F(EmailStatus, AContactWriteWithoutOptInReasonNeverOptsInAgain) {
  const auto id = contact("ann@example.com", R"(,"given_name":"Ann")");
  ASSERT_EQ(opt(false).status, 200);
  // An upsert that matches the contact, without opt_in_reason (any case).
  auto res = api(
      "POST", "/rest/v2/contacts?duplicate_option=Email",
      R"({"given_name":"Ann","email_addresses":[{"email":"ANN@example.com","field":"EMAIL1"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("email_addresses").at(0).at("email_opt_status").as_string(), "MANUAL");
  // A PATCH of the contact, whole or masked, moving the address to another slot.
  res = api("PATCH", "/rest/v2/contacts/" + id,
            R"({"email_addresses":[{"email":"ann@example.com","field":"EMAIL2"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("email_addresses").at(0).at("email_opt_status").as_string(), "MANUAL");
  res = api("PATCH", "/rest/v2/contacts/" + id + "?update_mask=email_addresses",
            R"({"email_addresses":[{"email":"ann@example.com","field":"EMAIL1"}]})");
  EXPECT_EQ(body(res).at("email_addresses").at(0).at("email_opt_status").as_string(), "MANUAL");
  // Another contact with the same address: the status is the address's.
  res = api(
      "POST", "/rest/v2/contacts?duplicate_option=EmailAndName",
      R"({"given_name":"Bob","email_addresses":[{"email":"ann@example.com","field":"EMAIL1"}]})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(body(res).at("email_addresses").at(0).at("email_opt_status").as_string(), "MANUAL");
  EXPECT_FALSE(body(res).at("email_addresses").at(0).at("is_opt_in").as_bool());
  EXPECT_EQ(status_of(), "MANUAL");
  ASSERT_EQ(changes().size(), 1u);

  // With opt_in_reason, the same rule as the PATCH: MANUAL may be opted in…
  now += std::chrono::seconds{1};
  res = api(
      "POST", "/rest/v2/contacts?duplicate_option=Email",
      R"({"email_addresses":[{"email":"ann@example.com","field":"EMAIL1","opt_in_reason":"Webform"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("email_addresses").at(0).at("email_opt_status").as_string(),
            "SINGLE_OPT_IN");
  EXPECT_EQ(status_of(), "SINGLE_OPT_IN");
  auto log = changes();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1], json::parse(R"({"email":"ann@example.com","opted_in":true,
      "status":"SINGLE_OPT_IN","from":"MANUAL","reason":"Webform","source":"contacts",
      "at":"2026-01-01T12:00:01Z"})"));
  // …an unsubscribed address may not.
  set_status("ann@example.com", "LIST_UNSUBSCRIBE");
  res = api(
      "PATCH", "/rest/v2/contacts/" + id,
      R"({"email_addresses":[{"email":"ann@example.com","field":"EMAIL1","opt_in_reason":"Again"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("email_addresses").at(0).at("email_opt_status").as_string(),
            "LIST_UNSUBSCRIBE");
  EXPECT_EQ(status_of(), "LIST_UNSUBSCRIBE");
  EXPECT_EQ(changes().size(), 3u) << "the hook's change only";
}

TEST_F(EmailStatus, ANewAddressWithOptInReasonStartsOptedInAndIsLogged) {
  const auto id = contact("cy@example.com", "");
  auto res = api("PATCH", "/rest/v2/contacts/" + id,
                 R"({"email_addresses":[{"email":"cy@example.com","field":"EMAIL1"},
                     {"email":"cy@work.example","field":"EMAIL2","opt_in_reason":"Signed up"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  const auto emails = body(res).at("email_addresses").as_array();
  EXPECT_EQ(emails.at(0).at("email_opt_status").as_string(), "UNENGAGED_MARKETABLE");
  EXPECT_EQ(emails.at(1).at("email_opt_status").as_string(), "SINGLE_OPT_IN");
  EXPECT_EQ(status_of("/rest/v2/emailAddresses/cy%40work.example/status"), "SINGLE_OPT_IN");
  const auto log = changes();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("email").as_string(), "cy@work.example");
  EXPECT_EQ(log[0].at("from").as_string(), "UNENGAGED_MARKETABLE");
}

TEST_F(EmailStatus, ThePathSegmentIsPercentDecodedAndMatchedInAnyCase) {
  contact("Ann.Lee+shop@Example.com");
  const std::string encoded = "/rest/v2/emailAddresses/ann.lee%2Bshop%40example.com/status";
  auto res = api("GET", encoded);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("email").as_string(), "Ann.Lee+shop@Example.com") << "as stored";
  // What keapsync's client sends: every reserved byte escaped.
  EXPECT_EQ(api("GET",
                "/rest/v2/emailAddresses/" + percent_encode("ANN.LEE+SHOP@EXAMPLE.COM") + "/status")
                .status,
            200);
  // In a path '+' is itself, not a space; lower-case escapes; /crm; a query is ignored.
  EXPECT_EQ(api("GET", "/rest/v2/emailAddresses/ann.lee+shop@example.com/status").status, 200);
  EXPECT_EQ(api("GET", "/rest/v2/emailAddresses/ann.lee%2bshop%40example.com/status").status, 200);
  EXPECT_EQ(api("GET", "/crm" + encoded + "?x=1").status, 200);
  res = patch(R"({"reason":"r","opted_in":false})",
              "/crm/rest/v2/emailAddresses/ANN.LEE%2BSHOP%40example.com/status");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("status").as_string(), "MANUAL");
  EXPECT_EQ(status_of(encoded), "MANUAL");
  // %20 is a space, which no address has.
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/ann.lee%20shop%40example.com/status"), 400,
                  R"(email "ann.lee shop@example.com" is not a valid email address)");
}

TEST_F(EmailStatus, AnAddressNoContactHoldsIs404) {
  contact();
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/bob%40example.com/status"), 404,
                  "Email address bob@example.com not found");
  expect_v2_error(opt(false, "/rest/v2/emailAddresses/bob%40example.com/status"), 404,
                  "Email address bob@example.com not found");
  // Not a prefix match, not another field's value.
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/ann%40example.co/status"), 404);
  // An address its last contact let go is unknown again…
  const auto id = contact("dee@example.com");
  const std::string dee = "/rest/v2/emailAddresses/dee%40example.com/status";
  ASSERT_EQ(opt(false, dee).status, 200);
  ASSERT_EQ(api("DELETE", "/rest/v2/contacts/" + id).status, 204);
  expect_v2_error(api("GET", dee), 404);
  expect_v2_error(opt(true, dee), 404);
  // …and keeps its opt-out when a contact holds it again.
  contact("DEE@example.com");
  auto res = api("GET", dee);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body(res).at("status").as_string(), "MANUAL");
  EXPECT_EQ(body(res).at("email").as_string(), "dee@example.com") << "as first recorded";
  EXPECT_EQ(changes().size(), 1u);
  // Other shapes of the path are no route.
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/ann%40example.com"), 404);
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/ann%40example.com/status/x"), 404);
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/a/b%40example.com/status"), 404);
}

TEST_F(EmailStatus, EachValidationErrorIs400NamingTheField) {
  contact();
  const auto bad = [&](const std::string& json, const std::string& message) {
    SCOPED_TRACE(json);
    expect_v2_error(patch(json), 400, message);
  };
  bad(R"({"opted_in":false})", "reason is required");
  bad(R"({"reason":null,"opted_in":false})", "reason is required");
  bad(R"({"reason":7,"opted_in":false})", "reason must be a string");
  bad(R"({"reason":"","opted_in":false})", "reason must not be empty");
  bad(R"({"reason":"  ","opted_in":false})", "reason must not be empty");
  bad(R"({"reason":"r"})", "opted_in is required");
  bad(R"({"reason":"r","opted_in":null})", "opted_in is required");
  bad(R"({"reason":"r","opted_in":"false"})", "opted_in must be a boolean");
  bad(R"({"reason":"r","opted_in":0})", "opted_in must be a boolean");
  bad(R"({"reason":"r","opted_in":true,"email":"ann@example.com"})",
      "email is not a recognized property");
  // The description's example field, which the schema does not have.
  bad(R"({"opt_in_reason":"r","opted_in":true})",
      "opt_in_reason is not a recognized property (UpdateEmailAddress takes reason and opted_in)");
  bad("[]", "could not be converted");
  bad("{", "could not be converted");
  expect_v2_error(call("PATCH", kAnn,
                       {{"x-keap-api-key", "KeapAK-sandbox-key"}, {"content-type", "text/plain"}},
                       R"({"reason":"r","opted_in":false})"),
                  415);
  // The address itself, for GET and PATCH, before the body.
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/ann/status"), 400,
                  R"(email "ann" is not a valid email address)");
  expect_v2_error(patch("{}", "/rest/v2/emailAddresses/ann%40/status"), 400,
                  R"(email "ann@" is not a valid email address)");
  expect_v2_error(api("GET", "/rest/v2/emailAddresses//status"), 400, R"(email "")");
  expect_v2_error(api("GET", "/rest/v2/emailAddresses/ann%4/status"), 400);  // a broken escape
  expect_v2_error(api("POST", kAnn, R"({"reason":"r","opted_in":false})"), 405);
  expect_v2_error(api("DELETE", kAnn), 405);
  EXPECT_EQ(status_of(), "UNENGAGED_MARKETABLE") << "a refused request changes nothing";
  EXPECT_TRUE(changes().empty());
}

TEST_F(EmailStatus, TheSandboxHookValidatesItsBody) {
  const auto hook = [&](const std::string& json) {
    return call("POST", "/_sandbox/email_status", {{"content-type", "application/json"}}, json);
  };
  expect_v2_error(hook(R"({"email":"ann@example.com","status":"UNSUBSCRIBED"})"), 400,
                  R"(status "UNSUBSCRIBED" is not one of)");
  expect_v2_error(hook(R"({"email":"ann","status":"SPAM"})"), 400, "not a valid email address");
  expect_v2_error(hook(R"({"status":"SPAM"})"), 400, "email is required");
  expect_v2_error(hook(R"({"email":"ann@example.com"})"), 400, "status is required");
  expect_v2_error(hook(R"({"email":"ann@example.com","status":"SPAM","at":1})"), 400,
                  "at is not a recognized property");
  expect_v2_error(call("DELETE", "/_sandbox/email_status"), 405);
  // An address no contact holds yet may be given a status: a contact that
  // brings it later finds it.
  ASSERT_EQ(hook(R"({"email":"Eve@example.com","status":"HARD_BOUNCE"})").status, 200);
  const auto id = contact("eve@example.com");
  EXPECT_EQ(contact_email(id).at("email_opt_status").as_string(), "HARD_BOUNCE");
  const auto log = changes();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].at("source").as_string(), "sandbox");
  EXPECT_EQ(log[0].at("reason").as_string(), "");
}

TEST_F(EmailStatus, ResetForgetsStatusesAndTheLog) {
  contact();
  ASSERT_EQ(opt(false).status, 200);
  ASSERT_EQ(changes().size(), 1u);
  ASSERT_EQ(call("POST", "/_sandbox/reset").status, 200);
  EXPECT_TRUE(changes().empty());
  expect_v2_error(api("GET", kAnn), 404);
  contact();
  EXPECT_EQ(status_of(), "UNENGAGED_MARKETABLE");
}

TEST_F(EmailStatus, StatusesAndTheLogAreKeptInTheStateSnapshot) {
  contact();
  contact("bob@example.com");
  ASSERT_EQ(opt(false).status, 200);
  set_status("bob@example.com", "HARD_BOUNCE");
  Router other(config);
  other.restore(r().snapshot());
  const auto get = [&](Router& router, const std::string& target) {
    return router.handle(Request{"GET", target, {{"x-keap-api-key", "KeapAK-sandbox-key"}}, ""},
                         now);
  };
  EXPECT_EQ(json::parse(get(other, "/_sandbox/email_status").body),
            json::parse(call("GET", "/_sandbox/email_status").body));
  EXPECT_EQ(json::parse(get(other, kAnn).body), json::parse(api("GET", kAnn).body));
  EXPECT_EQ(json::parse(get(other, "/rest/v2/emailAddresses/bob%40example.com/status").body)
                .at("status")
                .as_string(),
            "HARD_BOUNCE");

  // A state file from before statuses were kept by address: each contact's
  // email_opt_status is its address's status, and the log is empty.
  Router older(config);
  older.restore(json::parse(R"({"contacts":{"next_id":2,"contacts":[{"id":1,"fields":{
      "email_addresses":[{"email":"old@example.com","field":"EMAIL1",
                          "email_opt_status":"SINGLE_OPT_IN","is_opt_in":true},
                         {"email":"new@example.com","field":"EMAIL2"}]},
      "created_ms":1767268800000,"updated_ms":1767268800000,"tags":{}}]},
      "tags":{"next_id":1,"tags":[]}})"));
  auto res = get(older, "/rest/v2/emailAddresses/old%40example.com/status");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body), json::parse(R"({"email":"old@example.com","opted_in":true,
      "status":"SINGLE_OPT_IN","create_time":"2026-01-01T12:00:00Z"})"));
  res = get(older, "/rest/v2/emailAddresses/new%40example.com/status");
  EXPECT_EQ(json::parse(res.body).at("status").as_string(), "UNENGAGED_MARKETABLE");
  EXPECT_TRUE(
      json::parse(get(older, "/_sandbox/email_status").body).at("changes").as_array().empty());
  // A malformed snapshot is refused.
  auto broken = r().snapshot().as_object();
  broken["contacts"].as_object()["email_statuses"] =
      json::parse(R"({"statuses":[{"email":"x@example.com","status":"NOPE","created_ms":0}],
                      "changes":[]})");
  Router refused(config);
  EXPECT_ANY_THROW(refused.restore(broken));
}

TEST_F(EmailStatus, TheRoutesCountInStatsAndObeyCredentialsLimitsAndFaults) {
  contact();
  ASSERT_EQ(api("GET", kAnn).status, 200);
  ASSERT_EQ(opt(false).status, 200);
  patch("{}");
  auto [access, refresh_token] = login();
  const auto oauth =
      call("PATCH", "/crm" + std::string(kAnn),
           {{"authorization", "Bearer " + access}, {"content-type", "application/json"}},
           R"({"reason":"r","opted_in":true})");
  EXPECT_EQ(oauth.status, 200) << oauth.body;
  EXPECT_FALSE(oauth.header("x-keap-product-throttle-limit").empty());
  EXPECT_EQ(api("GET", kAnn).header("x-keap-product-throttle-limit"), "240");
  EXPECT_EQ(api("GET", kAnn, {}, "KeapAK-wrong").status, 401);
  EXPECT_EQ(call("PATCH", kAnn, {{"content-type", "application/json"}},
                 R"({"reason":"r","opted_in":false})")
                .status,
            401);
  api("GET", "/rest/v2/emailAddresses/bob%40example.com/status");
  const auto routes = body(call("GET", "/_sandbox/stats")).at("routes").as_object();
  const auto& get = routes.at("GET /rest/v2/emailAddresses/{email}/status").as_object();
  EXPECT_EQ(get.at("200").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(get.at("401").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(get.at("404").to_number<std::uint64_t>(), 1u) << "every address counts as one route";
  const auto& patched = routes.at("PATCH /rest/v2/emailAddresses/{email}/status").as_object();
  EXPECT_EQ(patched.at("200").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(patched.at("400").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(patched.at("401").to_number<std::uint64_t>(), 1u);
  for (const auto& kv : routes)
    EXPECT_EQ(kv.key().find('@'), std::string::npos) << kv.key() << ": one route for every address";
  EXPECT_EQ(status_of(), "SINGLE_OPT_IN");

  ASSERT_EQ(call("POST", "/_sandbox/faults", {{"content-type", "application/json"}},
                 R"({"error_rate":1,"error_status":503,)"
                 R"("route":"PATCH /rest/v2/emailAddresses/{email}/status"})")
                .status,
            200);
  expect_v2_error(opt(false), 503);
  EXPECT_EQ(status_of(), "SINGLE_OPT_IN") << "a faulted request changes nothing";
  call("POST", "/_sandbox/faults", {{"content-type", "application/json"}}, "{}");

  config.rate_limits.key_spike = {2, std::chrono::seconds{1}};
  router.reset();
  EXPECT_EQ(api("GET", kAnn).status, 404);
  EXPECT_EQ(opt(false).status, 404);
  EXPECT_EQ(opt(false).status, 429);
}

}  // namespace
}  // namespace keapsync::sandbox::test
