// Which rows a stopped plan has delivered, which failed with it, which wait.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <vector>

#include "keap/coalesce.hpp"
#include "keap/payload_parser.hpp"
#include "keap/plan_progress.hpp"

namespace keapsync::keap {
namespace {

using S = RowStanding;

PendingChange up(std::string_view text) {
  auto parsed = parse_change("upsert", boost::json::parse(text));
  if (auto* errors = std::get_if<std::vector<PayloadError>>(&parsed)) {
    ADD_FAILURE() << join_errors(*errors);
    return {};
  }
  return std::get<PendingChange>(parsed);
}

std::vector<S> standings(const std::vector<PendingChange>& rows, int step) {
  return row_standings(rows, coalesce(rows), step);
}

TEST(PlanProgress, ADeleteThatWentThroughIsDoneWhateverStopsTheUpsertAfterIt) {
  const std::vector rows{up(R"({"email":"a@b.co"})"), PendingChange::remove(),
                         up(R"({"email":"new@b.co","tags_add":["VIP"]})")};
  const auto plan = coalesce(rows);
  // The create after the delete failed: a retry must not delete again.
  EXPECT_EQ(row_standings(rows, plan, PlanStep::fields),
            (std::vector{S::done, S::done, S::failed}));
  // The delete itself failed: the row it supersedes shares its outcome.
  EXPECT_EQ(row_standings(rows, plan, PlanStep::remove),
            (std::vector{S::failed, S::failed, S::waiting}));
}

TEST(PlanProgress, RowsOfEarlierStepsAreDoneAndRowsOfLaterStepsWait) {
  const std::vector rows{up(R"({"given_name":"Ann"})"), up(R"({"tags_add":["VIP"]})"),
                         up(R"({"tags_add":["Gold"]})"), up(R"({"tags_remove":["Old"]})")};
  const auto plan = coalesce(rows);
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_add(plan, 0)),
            (std::vector{S::done, S::failed, S::waiting, S::waiting}));
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_add(plan, 1)),
            (std::vector{S::done, S::done, S::failed, S::waiting}));
  // A removal of a tag not added again runs after the additions.
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_remove(plan, 0)),
            (std::vector{S::done, S::done, S::done, S::failed}));
  EXPECT_EQ(row_standings(rows, plan, PlanStep::fields),
            (std::vector{S::failed, S::waiting, S::waiting, S::waiting}));
}

TEST(PlanProgress, TagCallsRunReAddedRemovalsFirstThenAdditionsThenOtherRemovals) {
  const std::vector rows{up(R"({"tags_remove":["A","B"]})"), up(R"({"tags_add":["C","A"]})")};
  const auto plan = coalesce(rows);
  EXPECT_EQ(tag_order(plan), (std::vector<TagStep>{{true, 0}, {false, 0}, {false, 1}, {true, 1}}));
  EXPECT_EQ(PlanStep::tag_remove(plan, 0), PlanStep::first_tag);
  EXPECT_EQ(PlanStep::tag_remove(plan, 1), PlanStep::first_tag + 3);
  EXPECT_EQ(PlanStep::event(plan, 0), PlanStep::first_tag + 4);
}

TEST(PlanProgress, ATagRemovedAndAddedAgainIsTwoStepsInRowOrder) {
  const std::vector rows{up(R"({"tags_remove":["VIP"]})"), up(R"({"tags_add":["VIP"]})")};
  const auto plan = coalesce(rows);
  ASSERT_LT(PlanStep::tag_remove(plan, 0), PlanStep::tag_add(plan, 0));
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_remove(plan, 0)),
            (std::vector{S::failed, S::waiting}));
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_add(plan, 0)),
            (std::vector{S::done, S::failed}));
}

TEST(PlanProgress, ARowWithFieldsAndATagFailsWithEitherStep) {
  const std::vector rows{up(R"({"given_name":"Ann","tags_add":["VIP"]})"),
                         up(R"({"family_name":"Lee"})")};
  const auto plan = coalesce(rows);
  // The newer row's fields are in Keap, but it waits: alone, the older row
  // would overwrite them on its retry.
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_add(plan, 0)),
            (std::vector{S::failed, S::waiting}));
  EXPECT_EQ(row_standings(rows, plan, PlanStep::fields), (std::vector{S::failed, S::failed}));
}

TEST(PlanProgress, ANewerEmailIsNeverDoneBeforeTheOlderRowThatFailed) {
  const std::vector rows{up(R"({"email":"e1@b.co","tags_add":["VIP"]})"),
                         up(R"({"email":"e2@b.co"})")};
  const auto plan = coalesce(rows);
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_add(plan, 0)),
            (std::vector{S::failed, S::waiting}));
}

TEST(PlanProgress, ATagALaterRowRevertedIsNoStepOfTheEarlierRow) {
  // Add then remove VIP: the plan only removes it; the adding row asks nothing any more.
  const std::vector rows{up(R"({"tags_add":["VIP"]})"), up(R"({"tags_remove":["VIP"]})")};
  const auto plan = coalesce(rows);
  EXPECT_EQ(row_standings(rows, plan, PlanStep::tag_remove(plan, 0)),
            (std::vector{S::done, S::failed}));
}

TEST(PlanProgress, AnEmptyUpsertIsDone) {
  EXPECT_EQ(standings({up("{}"), up(R"({"given_name":"Ann"})")}, PlanStep::fields),
            (std::vector{S::done, S::failed}));
}

}  // namespace
}  // namespace keapsync::keap
