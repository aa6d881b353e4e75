// The goals of a plan (ContactProcessor::send_goals). Keap has no idempotency
// key for goals and no way to ask whether one fired: each goal row is marked
// sent in the database before its request leaves, so a delivery that ends
// before Keap's answer is recorded leaves a row that the next claim buries as
// "may have fired" instead of sending it twice (at most once, by design).
#include <string>
#include <vector>

#include "db/outbox_repository.hpp"
#include "engine/contact_processor.hpp"
#include "keap/goal_requests.hpp"
#include "keap/plan_progress.hpp"

namespace keapsync::engine {
namespace {

// The ids of the goal rows after the last delete, in row order: those of plan.goals.
std::vector<std::int64_t> goal_rows(const db::ClaimedContact& c) {
  std::vector<std::int64_t> ids;
  for (const auto& row : c.rows) {
    if (row.op == "delete") ids.clear();
    if (row.op == "goal") ids.push_back(row.id);
  }
  return ids;
}

// Did Keap take the request in without processing it? A refusal (4xx, 429,
// 401) or a 503 leaves the goal unfired; no answer, or another 5xx, may not.
bool unprocessed(const keap::ApiOutcome& r) {
  return !r.error.request_sent || (r.error.status >= 400 && r.error.status < 500) ||
         r.error.status == 503;
}

keap::ApiOutcome decided(keap::ErrorClass c, std::string message) {
  return keap::decided_failure(c, std::move(message));
}

}  // namespace

boost::asio::awaitable<std::optional<ContactProcessor::StepFailure>> ContactProcessor::send_goals(
    const keap::ContactPlan& plan, const db::ClaimedContact& c,
    const std::optional<std::string>& keap_id, AccountContext& account,
    const keap::CallWindow& window) {
  const auto rows = goal_rows(c);
  for (std::size_t k = 0; k < plan.goals.size(); ++k) {
    const keap::GoalEvent& goal = plan.goals[k];
    const int step = keap::PlanStep::goal(plan, k);
    if (!keap_id) {
      co_return StepFailure{
          step, decided(keap::ErrorClass::permanent,
                        "goal: keapsync knows no Keap contact for this contact_ref yet; an "
                        "upsert with an email, phone or address must reach Keap first")};
    }
    if (window && !window()) co_return StepFailure{step, keap::not_sent()};
    const std::int64_t row = rows.at(k);
    const bool marked = co_await db_.run([&](pqxx::connection& conn) {
      return db::OutboxRepository(conn).mark_sent(row, c.lease_token);
    });
    if (!marked) co_return StepFailure{step, keap::not_sent()};
    const auto request = keap::achieve_goal_request(goal, *keap_id);
    auto r = co_await account.api->call(request, window);
    if (!r.ok()) {
      if (unprocessed(r)) co_return StepFailure{step, std::move(r)};  // the settlement unmarks it
      co_return StepFailure{
          step, decided(keap::ErrorClass::permanent,
                        "goal (" + goal.display() + "): may have fired: Keap did not answer (" +
                            r.error.message +
                            "); check the contact's automation in Keap, and `keapsync dead "
                            "retry --id " +
                            std::to_string(row) + "` sends it again")};
    }
    if (const auto refusal = keap::goal_refusal(r.reply->body)) {
      co_return StepFailure{
          step, decided(keap::ErrorClass::permanent,
                        "goal (" + goal.display() + "): Keap did not achieve it: " + *refusal)};
    }
    logger_.debug("goal achieved", {{"account", c.account},
                                    {"contact_ref", c.contact_ref},
                                    {"outbox_id", row},
                                    {"goal", goal.display()}});
  }
  co_return std::nullopt;
}

}  // namespace keapsync::engine
