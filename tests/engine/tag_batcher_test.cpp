// TagBatcher over a real KeapApi and TLS to a scripted server: a lone contact
// leaves at once, contacts that come meanwhile share the next call, a refused
// call for several contacts is resent one contact at a time, a closed lease
// leaves its contact out, and a throttled account answers everyone unsent.
#include "engine/tag_batcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <stdexcept>

#include "base/manual_clock.hpp"
#include "http/client.hpp"
#include "keap/keap_api.hpp"
#include "log/logger.hpp"
#include "support/https_test_server.hpp"
#include "support/temp_dir.hpp"

namespace keapsync::engine {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using keap::ApiOutcome;
using keap::ErrorClass;
using keap::TagAction;
using SteadyTime = std::chrono::steady_clock::time_point;

class KeyCredentials final : public auth::Credentials {
 public:
  asio::awaitable<std::optional<auth::AuthHeader>> header() override {
    if (++calls == throw_on_call) throw std::runtime_error("the credential store is unreachable");
    co_return auth::AuthHeader{"X-Keap-API-Key", config::Secret("test-key")};
  }
  int calls = 0;
  int throw_on_call = 0;  // 0: never
  asio::awaitable<bool> on_unauthorized(const auth::AuthHeader&) override { co_return false; }
  auth::AccountState state() const override { return auth::AccountState::ok; }
};

// One contact's call through the batcher.
struct Send {
  TagAction action = TagAction::apply;
  std::int64_t tag = 42;
  std::string contact;
  keap::CallWindow window = {};
};

// A call as the server saw it: the target and the contact ids it carried.
struct SeenCall {
  std::string target;
  std::vector<std::string> contacts;
};

class TagBatcherTest : public ::testing::Test {
 protected:
  tls::CertificateAuthority ca{"tag batcher test CA"};
  testing::HttpsTestServer server{ca};
  testing::TempDir dir;
  asio::io_context io;
  std::unique_ptr<http::Client> client;
  ManualClock clock{TimePoint(std::chrono::hours(24 * 365 * 56))};
  log::Logger logger = log::make_logger({config::LogLevel::warn, config::LogFormat::json});
  keap::RateLimiter limiter{keap::RateLimits::api_key(), clock.now()};
  KeyCredentials credentials;
  std::unique_ptr<keap::KeapApi> api;
  std::unique_ptr<TagBatcher> batcher;

  void SetUp() override {
    http::ClientOptions options;
    options.ca_file = dir.write("ca.pem", ca.certificate_pem());
    client = std::make_unique<http::Client>(io.get_executor(), options);
    api = std::make_unique<keap::KeapApi>(*client, http::Url::parse(server.origin() + "/crm"),
                                          credentials, limiter, clock.clock(), logger);
    batcher = std::make_unique<TagBatcher>(*api);
    // applyTags answers a result per contact, as Keap does; contact "404" is refused.
    answer([](const std::vector<std::string>& ids) {
      json::object results;
      for (const auto& id : ids) {
        if (id == "404") return testing::TestResponse{400, {}, R"({"message":"bad contact"})"};
        results[id] = "SUCCESS";
      }
      return testing::TestResponse{200, {}, json::serialize(json::object{{"results", results}})};
    });
  }

  // The server answers each call from the contact ids it carries.
  void answer(std::function<testing::TestResponse(const std::vector<std::string>&)> reply) {
    server.set_handler([reply = std::move(reply)](const testing::TestRequest& r) {
      return reply(ids_of(r.body));
    });
  }

  static std::vector<std::string> ids_of(const std::string& body) {
    std::vector<std::string> ids;
    const json::value parsed = json::parse(body);
    for (const auto& id : parsed.at("contact_ids").as_array())
      ids.emplace_back(id.as_string());
    return ids;
  }

  std::vector<SeenCall> calls() const {
    std::vector<SeenCall> out;
    for (const auto& r : server.received())
      out.push_back({r.target, ids_of(r.body)});
    return out;
  }

  // Starts every send in order on one thread and waits for all answers.
  std::vector<ApiOutcome> run(const std::vector<Send>& sends) {
    std::vector<std::optional<ApiOutcome>> out(sends.size());
    std::size_t left = sends.size();
    for (std::size_t i = 0; i < sends.size(); ++i) {
      asio::co_spawn(
          io,
          [&, i]() -> asio::awaitable<void> {
            const Send& s = sends[i];
            out[i] = co_await batcher->send(s.action, s.tag, s.contact, s.window);
            if (--left == 0) io.stop();
          },
          asio::detached);
    }
    io.run_for(std::chrono::seconds(30));
    io.restart();
    std::vector<ApiOutcome> answers;
    for (auto& o : out) {
      EXPECT_TRUE(o.has_value()) << "no answer within 30 s";
      answers.push_back(o.value_or(ApiOutcome{}));
    }
    return answers;
  }

  static std::vector<Send> contacts(int from, int to) {
    std::vector<Send> sends;
    for (int i = from; i <= to; ++i)
      sends.push_back({TagAction::apply, 42, std::to_string(i)});
    return sends;
  }
};

// The contact's own entry of applyTags' results, "" when absent.
std::string own_result(const ApiOutcome& outcome, const std::string& contact) {
  if (!outcome.ok()) return "failed: " + outcome.error.message;
  const auto& results = outcome.reply->body.at("results").as_object();
  if (results.size() != 1) return "results for " + std::to_string(results.size()) + " contacts";
  const auto* mine = results.if_contains(contact);
  return mine ? std::string(mine->as_string()) : "";
}

std::vector<std::string> ids(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i)
    out.push_back(std::to_string(i));
  return out;
}

TEST_F(TagBatcherTest, ALoneContactLeavesAtOnceInACallOfItsOwn) {
  const auto out = run({{TagAction::apply, 42, "7"}});
  EXPECT_EQ(own_result(out.at(0), "7"), "SUCCESS");
  ASSERT_EQ(calls().size(), 1u);
  EXPECT_EQ(calls()[0].target, "/crm/rest/v2/tags/42/contacts:applyTags");
  EXPECT_EQ(calls()[0].contacts, std::vector<std::string>{"7"});
}

TEST_F(TagBatcherTest, ContactsThatComeWhileACallIsUnderWayShareTheNextCall) {
  const auto out = run(contacts(1, 5));
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(own_result(out.at(i - 1), std::to_string(i)), "SUCCESS") << "contact " << i;
  const auto seen = calls();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].contacts, ids(1, 1));
  EXPECT_EQ(seen[1].contacts, ids(2, 5));
}

TEST_F(TagBatcherTest, ACallCarriesAtMostMaxContacts) {
  const int n = 1 + 2 * static_cast<int>(TagBatcher::kMaxContacts);
  const auto out = run(contacts(1, n));
  for (int i = 1; i <= n; ++i)
    ASSERT_EQ(own_result(out.at(i - 1), std::to_string(i)), "SUCCESS") << "contact " << i;
  const auto seen = calls();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].contacts, ids(2, 1 + static_cast<int>(TagBatcher::kMaxContacts)));
  EXPECT_EQ(seen[2].contacts.size(), TagBatcher::kMaxContacts);
}

TEST_F(TagBatcherTest, ARefusedCallForSeveralContactsIsResentOneContactAtATime) {
  auto sends = contacts(1, 4);
  sends.push_back({TagAction::apply, 42, "404"});
  const auto out = run(sends);
  for (int i = 1; i <= 4; ++i)
    EXPECT_EQ(own_result(out.at(i - 1), std::to_string(i)), "SUCCESS") << "contact " << i;
  EXPECT_EQ(out.at(4).error.error_class, ErrorClass::permanent);
  EXPECT_NE(out.at(4).error.message.find("bad contact"), std::string::npos);
  const auto seen = calls();
  ASSERT_EQ(seen.size(), 6u);  // [1], [2,3,4,404] refused, then each of those alone
  EXPECT_EQ(seen[1].contacts, (std::vector<std::string>{"2", "3", "4", "404"}));
  for (std::size_t i = 2; i < seen.size(); ++i)
    EXPECT_EQ(seen[i].contacts.size(), 1u);
}

TEST_F(TagBatcherTest, AContactWhoseLeaseClosedIsLeftOutAndAnsweredNotSent) {
  auto sends = contacts(1, 4);
  sends[2].window = []() -> std::optional<SteadyTime> { return std::nullopt; };
  const auto out = run(sends);
  EXPECT_EQ(out.at(2).error.error_class, ErrorClass::fenced);
  for (int i : {1, 2, 4})
    EXPECT_EQ(own_result(out.at(i - 1), std::to_string(i)), "SUCCESS") << "contact " << i;
  const auto seen = calls();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].contacts, (std::vector<std::string>{"2", "4"}));
}

TEST_F(TagBatcherTest, TheCallsDeadlineIsTheEarliestOfItsContacts) {
  server.set_handler([](const testing::TestRequest& r) {
    testing::TestResponse stall;
    if (r.body.find("\"2\"") != std::string::npos)
      stall.fault = testing::TestResponse::Fault::stall;
    else
      stall.body = R"({"results":{}})";
    return stall;
  });
  auto sends = contacts(1, 3);
  const auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  const auto late = std::chrono::steady_clock::now() + std::chrono::hours(1);
  sends[1].window = [late]() -> std::optional<SteadyTime> { return late; };
  sends[2].window = [soon]() -> std::optional<SteadyTime> { return soon; };
  const auto out = run(sends);  // would wait an hour for contact 2's deadline
  EXPECT_TRUE(out.at(0).ok());
  EXPECT_EQ(out.at(1).error.error_class, ErrorClass::transient) << out.at(1).error.message;
  EXPECT_EQ(out.at(2).error.error_class, ErrorClass::transient) << out.at(2).error.message;
}

TEST_F(TagBatcherTest, AThrottledAccountAnswersEveryWaitingContactWithoutSending) {
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{429, {{"Retry-After", "60"}}, R"({"message":"Quota Exceeded"})"};
  });
  const auto out = run(contacts(1, 5));
  for (const auto& o : out)
    EXPECT_EQ(o.error.error_class, ErrorClass::throttled);
  EXPECT_EQ(server.requests(), 1u);
}

TEST_F(TagBatcherTest, ApplyRemoveAndOtherTagsGoInSeparateCalls) {
  server.set_handler([](const testing::TestRequest& r) {
    if (r.target.ends_with(":removeTags")) return testing::TestResponse{204, {}, ""};
    return testing::TestResponse{200, {}, R"({"results":{}})"};
  });
  const auto out = run({{TagAction::apply, 42, "1"},
                        {TagAction::remove, 42, "2"},
                        {TagAction::apply, 43, "3"},
                        {TagAction::remove, 42, "4"}});
  for (const auto& o : out)
    EXPECT_TRUE(o.ok()) << o.error.message;
  const auto seen = calls();
  // Each first of its tag and action alone, then [4] after [2]. Calls of
  // different tags or actions run side by side: their order at Keap is not fixed.
  ASSERT_EQ(seen.size(), 4u);
  std::vector<std::string> by_call;
  for (const auto& c : seen) {
    std::string line = c.target.substr(c.target.find("/tags/") + 6);
    for (const auto& id : c.contacts)
      line += " " + id;
    by_call.push_back(line);
  }
  const auto at = [&](const std::string& call) {
    return std::find(by_call.begin(), by_call.end(), call) - by_call.begin();
  };
  for (const char* call : {"42/contacts:applyTags 1", "42/contacts:removeTags 2",
                           "43/contacts:applyTags 3", "42/contacts:removeTags 4"})
    EXPECT_LT(at(call), 4) << call << " not among the calls";
  EXPECT_LT(at("42/contacts:removeTags 2"), at("42/contacts:removeTags 4"));
}

TEST_F(TagBatcherTest, AContactTwiceInOneCallIsSentOnceAndBothAreAnswered) {
  const auto out =
      run({{TagAction::apply, 42, "1"}, {TagAction::apply, 42, "2"}, {TagAction::apply, 42, "2"}});
  EXPECT_EQ(own_result(out.at(1), "2"), "SUCCESS");
  EXPECT_EQ(own_result(out.at(2), "2"), "SUCCESS");
  const auto seen = calls();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].contacts, ids(2, 2));
}

TEST_F(TagBatcherTest, AFailureInsideASharedCallAnswersEveryContactAndFreesTheTag) {
  credentials.throw_on_call = 2;  // the second call's credentials throw
  const auto out = run(contacts(1, 3));
  EXPECT_EQ(own_result(out.at(0), "1"), "SUCCESS");
  for (int i : {1, 2}) {
    EXPECT_EQ(out.at(i).error.error_class, ErrorClass::transient);
    EXPECT_EQ(out.at(i).error.message, "internal: the credential store is unreachable");
  }
  // Nobody holds the tag's queue: the next contact goes out.
  EXPECT_EQ(own_result(run({{TagAction::apply, 42, "4"}}).at(0), "4"), "SUCCESS");
}

TEST_F(TagBatcherTest, AContactIdThatIsNotANumberFailsItsOwnContactOnly) {
  const auto out = run({{TagAction::apply, 42, "1"},
                        {TagAction::apply, 42, "2"},
                        {TagAction::apply, 42, "x7"},
                        {TagAction::apply, 42, "3"}});
  EXPECT_EQ(out.at(2).error.error_class, ErrorClass::permanent);
  for (int i : {1, 2, 3})
    EXPECT_EQ(own_result(out.at(i == 3 ? 3 : i - 1), std::to_string(i)), "SUCCESS");
  const auto seen = calls();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].contacts, (std::vector<std::string>{"2", "3"}));
}

TEST_F(TagBatcherTest, ADeletedTagFailsASharedApplyTagsOnceForAll) {
  server.set_handler([](const testing::TestRequest&) {
    return testing::TestResponse{404, {}, R"({"message":"tag 42 not found"})"};
  });
  const auto out = run(contacts(1, 5));
  for (const auto& o : out)
    EXPECT_EQ(o.error.status, 404);
  EXPECT_EQ(calls().size(), 2u);  // [1], then [2..5]: not again one by one
}

}  // namespace
}  // namespace keapsync::engine
