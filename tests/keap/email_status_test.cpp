// Opt-out and opt-in rows: the payload's validation and the request Keap documents.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "keap/coalesce.hpp"
#include "keap/email_status_requests.hpp"
#include "keap/payload_parser.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;

std::string errors_of(const char* op, const std::string& payload) {
  const auto parsed = parse_row(op, payload);
  if (!std::holds_alternative<std::vector<PayloadError>>(parsed)) return "valid";
  return join_errors(std::get<std::vector<PayloadError>>(parsed));
}

TEST(EmailStatus, AnOptOutOrOptInNamesTheAddressAndWhy) {
  const auto parsed =
      parse_row("opt_out", R"({"email":"ann@example.com","reason":"Unsubscribed in the shop"})");
  ASSERT_TRUE(std::holds_alternative<PendingChange>(parsed));
  const auto& event = std::get<EmailStatusEvent>(std::get<PendingChange>(parsed).event);
  EXPECT_EQ(event, (EmailStatusEvent{"ann@example.com", false, "Unsubscribed in the shop"}));
  const auto in = parse_row("opt_in", R"({"email":"ann@example.com","reason":"Web form"})");
  EXPECT_TRUE(std::get<EmailStatusEvent>(std::get<PendingChange>(in).event).opted_in);
}

TEST(EmailStatus, EachMistakeIsNamedWithItsField) {
  EXPECT_EQ(errors_of("opt_out", "null"),
            "payload: an opt_out takes an object, e.g. {\"email\": \"ann@example.com\", "
            "\"reason\": \"Unsubscribed in the shop\"} (got null)");
  EXPECT_EQ(errors_of("opt_out", "{}"),
            "payload.email: missing: the address whose status changes\npayload.reason: missing: "
            "Keap keeps why an address was opted in or out");
  EXPECT_EQ(errors_of("opt_in", R"({"email":"ann@","reason":"","emial":1})"),
            "payload.emial: unknown key (did you mean \"email\"?)\npayload.email: \"ann@\" is "
            "not an e-mail address (expected name@example.com)\npayload.reason: expected a "
            "non-empty string, got \"\"");
  EXPECT_EQ(errors_of("opt_out", R"({"email":7,"reason":")" + std::string(256, 'r') + "\"}"),
            "payload.email: expected a string, got a number\npayload.reason: too long: 256 "
            "characters (at most 255)");
}

TEST(EmailStatus, TheRequestIsKeapsUpdateEmailAddressOptStatus) {
  const auto r = email_status_request({"ann+shop@example.com", false, "Unsubscribed"});
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.target, "/rest/v2/emailAddresses/ann%2Bshop%40example.com/status");
  EXPECT_EQ(json::value(*r.body), json::parse(R"({"opted_in":false,"reason":"Unsubscribed"})"));
}

TEST(EmailStatus, EventsKeepTheirOrderAmongGoals) {
  const std::vector rows{
      std::get<PendingChange>(parse_row("opt_out", R"({"email":"a@b.co","reason":"r"})")),
      std::get<PendingChange>(parse_row("goal", R"({"automation_id":1,"goal_id":2})")),
      std::get<PendingChange>(parse_row("opt_in", R"({"email":"a@b.co","reason":"r"})"))};
  const auto plan = coalesce(rows);
  ASSERT_EQ(plan.events.size(), 3u);
  EXPECT_FALSE(std::get<EmailStatusEvent>(plan.events[0].event).opted_in);
  EXPECT_EQ(std::get<GoalEvent>(plan.events[1].event).goal_id, 2);
  EXPECT_TRUE(std::get<EmailStatusEvent>(plan.events[2].event).opted_in);
}

}  // namespace
}  // namespace keapsync::keap
