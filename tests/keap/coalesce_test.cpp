// Coalescing several outbox rows of one contact: later wins, nulls clear, deletes reset.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <vector>

#include "keap/coalesce.hpp"
#include "keap/payload_parser.hpp"

namespace keapsync::keap {
namespace {

namespace json = boost::json;

PendingChange up(std::string_view text) {
  auto parsed = parse_change("upsert", json::parse(text));
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) {
    ADD_FAILURE() << join_errors(*errors);
    return {};
  }
  return std::get<PendingChange>(parsed);
}

ContactChange change(std::string_view text) {
  return up(text).change;
}

ContactPlan plan_of(const std::vector<PendingChange>& rows) {
  return coalesce(rows);
}

TEST(Coalesce, SingleUpsertIsItself) {
  const auto rows = std::vector{up(R"({"email":"a@b.co","given_name":"Ann"})")};
  const ContactPlan plan = plan_of(rows);
  EXPECT_FALSE(plan.delete_contact);
  EXPECT_FALSE(plan.create_fresh());
  ASSERT_TRUE(plan.upsert);
  EXPECT_EQ(*plan.upsert, rows[0].change);
}

TEST(Coalesce, EmptyInputIsNothingToDo) {
  const ContactPlan plan = plan_of({});
  EXPECT_FALSE(plan.delete_contact);
  EXPECT_FALSE(plan.upsert);
}

TEST(Coalesce, LaterFieldsWinAndAbsentKeepsEarlier) {
  const ContactPlan plan = plan_of({up(R"({"given_name":"Ann","family_name":"Smith"})"),
                                    up(R"({"given_name":"Anne","job_title":"CTO"})")});
  ASSERT_TRUE(plan.upsert);
  EXPECT_EQ(plan.upsert->given_name.value(), "Anne");
  EXPECT_EQ(plan.upsert->family_name.value(), "Smith");
  EXPECT_EQ(plan.upsert->job_title.value(), "CTO");
  EXPECT_EQ(*plan.upsert,
            change(R"({"given_name":"Anne","family_name":"Smith","job_title":"CTO"})"));
}

TEST(Coalesce, NullClearsAndALaterValueSetsAgain) {
  const ContactPlan cleared = plan_of(
      {up(R"({"phone":"555 1234","website":"https://a.example"})"), up(R"({"phone":null})")});
  EXPECT_TRUE(cleared.upsert->phone.cleared());
  EXPECT_EQ(cleared.upsert->website.value(), "https://a.example");
  const ContactPlan set_again = plan_of({up(R"({"phone":null})"), up(R"({"phone":"555 9999"})")});
  EXPECT_EQ(set_again.upsert->phone.value(), "555 9999");
}

TEST(Coalesce, AddressesMergePerField) {
  const ContactPlan plan = plan_of({
      up(R"({"address":{"line1":"1 Main St","line2":"Apt 2","country_code":"USA"}})"),
      up(R"({"address":{"line1":"9 Elm St","line2":null}})"),
      up(R"({"shipping_address":{"locality":"Berlin"}})"),
  });
  const AddressChange& a = plan.upsert->address.value();
  EXPECT_EQ(a.line1.value(), "9 Elm St");
  EXPECT_TRUE(a.line2.cleared());
  EXPECT_EQ(a.country_code.value(), "USA");
  EXPECT_TRUE(a.locality.absent());
  EXPECT_FALSE(a.replace_all);
  EXPECT_EQ(plan.upsert->shipping_address.value().locality.value(), "Berlin");
}

TEST(Coalesce, AddressNullThenFieldsRebuildsTheSlot) {
  const ContactPlan plan =
      plan_of({up(R"({"address":{"line1":"1 Main St"}})"), up(R"({"address":null})"),
               up(R"({"address":{"locality":"Phoenix"}})"), up(R"({"address":{"line1":"2 B"}})")});
  const AddressChange& a = plan.upsert->address.value();
  EXPECT_TRUE(a.replace_all) << "fields not named after the null must not survive from Keap";
  EXPECT_EQ(a.locality.value(), "Phoenix");
  EXPECT_EQ(a.line1.value(), "2 B");
  const ContactPlan cleared =
      plan_of({up(R"({"address":{"line1":"1 Main St"}})"), up(R"({"address":null})")});
  EXPECT_TRUE(cleared.upsert->address.cleared());
}

TEST(Coalesce, CustomFieldsMergePerId) {
  const ContactPlan plan =
      plan_of({up(R"({"custom_fields":{"1":"a","2":"b","3":"c"}})"),
               up(R"({"custom_fields":{"2":null,"4":7}})"), up(R"({"custom_fields":{"3":"z"}})")});
  const auto& f = plan.upsert->custom_fields;
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f.at("1").value(), json::value("a"));
  EXPECT_TRUE(f.at("2").cleared());
  EXPECT_EQ(f.at("3").value(), json::value("z"));
  EXPECT_EQ(f.at("4").value(), json::value(7));
}

TEST(Coalesce, TagsCombineInOrder) {
  const ContactPlan add_then_remove =
      plan_of({up(R"({"tags_add":["VIP",5]})"), up(R"({"tags_remove":["VIP"]})")});
  EXPECT_EQ(add_then_remove.upsert->tags_add, std::vector<TagRef>{TagRef::by_id(5)});
  EXPECT_EQ(add_then_remove.upsert->tags_remove, std::vector<TagRef>{TagRef::by_name("VIP")});

  // Removed and added again: both stay (removals run first), so the tag is
  // put back and its campaign fires again.
  const ContactPlan remove_then_add =
      plan_of({up(R"({"tags_remove":["VIP",7]})"), up(R"({"tags_add":["VIP"]})")});
  EXPECT_EQ(remove_then_add.upsert->tags_add, std::vector<TagRef>{TagRef::by_name("VIP")});
  EXPECT_EQ(remove_then_add.upsert->tags_remove,
            (std::vector<TagRef>{TagRef::by_name("VIP"), TagRef::by_id(7)}));

  const ContactPlan flip_flop = plan_of(
      {up(R"({"tags_add":[1]})"), up(R"({"tags_remove":[1]})"), up(R"({"tags_add":[2,1]})")});
  EXPECT_EQ(flip_flop.upsert->tags_add, (std::vector<TagRef>{TagRef::by_id(2), TagRef::by_id(1)}));
  EXPECT_EQ(flip_flop.upsert->tags_remove, std::vector<TagRef>{TagRef::by_id(1)});

  const ContactPlan flip_flop_flip = plan_of(
      {up(R"({"tags_remove":[1]})"), up(R"({"tags_add":[1]})"), up(R"({"tags_remove":[1]})")});
  EXPECT_TRUE(flip_flop_flip.upsert->tags_add.empty());
  EXPECT_EQ(flip_flop_flip.upsert->tags_remove, std::vector<TagRef>{TagRef::by_id(1)});

  const ContactPlan repeated = plan_of({up(R"({"tags_add":[1,2]})"), up(R"({"tags_add":[2,3]})")});
  EXPECT_EQ(repeated.upsert->tags_add,
            (std::vector<TagRef>{TagRef::by_id(1), TagRef::by_id(2), TagRef::by_id(3)}));
}

TEST(Coalesce, KeapRawFieldsMergePerKey) {
  const ContactPlan plan = plan_of(
      {up(R"({"keap":{"prefix":"Dr.","suffix":"Jr"}})"), up(R"({"keap":{"prefix":"Prof."}})")});
  EXPECT_EQ(json::value(plan.upsert->keap), json::parse(R"({"prefix":"Prof.","suffix":"Jr"})"));
}

TEST(Coalesce, OptInFollowsItsEmail) {
  const ContactPlan same_email = plan_of({up(R"({"email":"a@b.co","opt_in_reason":"form"})"),
                                          up(R"({"email":"a@b.co","given_name":"Ann"})")});
  EXPECT_EQ(same_email.upsert->opt_in_reason, "form");
  const ContactPlan new_email = plan_of(
      {up(R"({"email":"a@b.co","opt_in_reason":"form"})"), up(R"({"email":"other@b.co"})")});
  EXPECT_FALSE(new_email.upsert->opt_in_reason) << "the opt-in was for the old address";
  const ContactPlan cleared =
      plan_of({up(R"({"email":"a@b.co","opt_in_reason":"form"})"), up(R"({"email":null})")});
  EXPECT_FALSE(cleared.upsert->opt_in_reason);
  const ContactPlan later_opt_in =
      plan_of({up(R"({"email":"a@b.co"})"), up(R"({"opt_in_reason":"checkout"})")});
  EXPECT_EQ(later_opt_in.upsert->opt_in_reason, "checkout");
  EXPECT_EQ(later_opt_in.upsert->email.value(), "a@b.co");
}

TEST(Coalesce, UpsertsThenDeleteIsJustDelete) {
  const ContactPlan plan =
      plan_of({up(R"({"email":"a@b.co"})"), up(R"({"tags_add":[1]})"), PendingChange::remove()});
  EXPECT_TRUE(plan.delete_contact);
  EXPECT_FALSE(plan.upsert);
  EXPECT_FALSE(plan.create_fresh());
}

TEST(Coalesce, DeleteThenUpsertsCreatesAfresh) {
  const ContactPlan plan = plan_of({up(R"({"email":"old@b.co","given_name":"Old","phone":"1"})"),
                                    PendingChange::remove(), up(R"({"email":"new@b.co"})"),
                                    up(R"({"given_name":"New"})")});
  EXPECT_TRUE(plan.delete_contact);
  EXPECT_TRUE(plan.create_fresh());
  ASSERT_TRUE(plan.upsert);
  EXPECT_EQ(*plan.upsert, change(R"({"email":"new@b.co","given_name":"New"})"))
      << "nothing from before the delete survives (phone is absent, not kept)";
}

TEST(Coalesce, SeveralDeletesCountOnce) {
  const ContactPlan plan = plan_of({PendingChange::remove(), up(R"({"email":"a@b.co"})"),
                                    PendingChange::remove(), up(R"({"phone":"2"})")});
  EXPECT_TRUE(plan.create_fresh());
  EXPECT_EQ(*plan.upsert, change(R"({"phone":"2"})"));
}

}  // namespace
}  // namespace keapsync::keap
