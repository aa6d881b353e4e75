// The events of a plan (ContactProcessor::send_events), one call each, in row
// order. An e-mail status change is idempotent: sent again on a retry. A goal
// is not, and Keap has no idempotency key for goals nor a way to ask whether
// one fired: each goal row is marked sent in the database before its request
// leaves, so a delivery that ends before Keap's answer is recorded leaves a
// row that the next claim buries as "may have fired" instead of sending it
// twice (at most once, by design).
#include <string>
#include <vector>

#include "db/outbox_repository.hpp"
#include "engine/contact_processor.hpp"
#include "keap/email_status_requests.hpp"
#include "keap/goal_requests.hpp"
#include "keap/plan_progress.hpp"

namespace keapsync::engine {
namespace {

// Did the goal stay unfired? Not sent (the lease fence, no connection), or an
// answer that Keap did not process it: a refusal (4xx, 429, 401) or a 503. No
// answer, or another 5xx, may have fired it.
bool unprocessed(const keap::ApiOutcome& r) {
  return !r.error.request_sent || r.error.error_class == keap::ErrorClass::fenced ||
         (r.error.status >= 400 && r.error.status < 500) || r.error.status == 503;
}

keap::ApiOutcome decided(keap::ErrorClass c, std::string message) {
  return keap::decided_failure(c, std::move(message));
}

}  // namespace

boost::asio::awaitable<std::optional<ContactProcessor::StepFailure>> ContactProcessor::send_events(
    const keap::ContactPlan& plan, const db::ClaimedContact& c,
    const std::optional<std::string>& keap_id, AccountContext& account,
    const keap::CallWindow& window) {
  for (std::size_t k = 0; k < plan.events.size(); ++k) {
    const int step = keap::PlanStep::event(plan, k);
    const std::int64_t row = c.rows.at(plan.events[k].row).id;
    const keap::ContactEvent& event = plan.events[k].event;
    if (const auto* status = std::get_if<keap::EmailStatusEvent>(&event)) {
      auto r = co_await account.api->call(keap::email_status_request(*status), window);
      if (r.ok()) continue;
      if (r.error.status == 404) {
        co_return StepFailure{step, decided(keap::ErrorClass::permanent,
                                            std::string(status->opted_in ? "opt_in" : "opt_out") +
                                                ": Keap has no e-mail address " + status->email +
                                                " (send an upsert with it first)")};
      }
      co_return StepFailure{step, std::move(r)};
    }
    const keap::GoalEvent& goal = std::get<keap::GoalEvent>(event);
    if (!keap_id) {
      co_return StepFailure{
          step, decided(keap::ErrorClass::permanent,
                        "goal: keapsync knows no Keap contact for this contact_ref yet; an "
                        "upsert with an email, phone or address must reach Keap first")};
    }
    const auto request = keap::achieve_goal_request(goal, *keap_id);
    if (window && !window()) co_return StepFailure{step, keap::not_sent()};
    const bool marked = co_await db_.run([&](pqxx::connection& conn) {
      return db::OutboxRepository(conn).mark_sent(row, c.lease_token);
    });
    if (!marked) co_return StepFailure{step, keap::not_sent()};
    auto r = co_await account.api->call(request, window);
    if (!r.ok()) {
      if (unprocessed(r)) co_return StepFailure{step, std::move(r)};  // the settlement unmarks it
      co_return StepFailure{
          step,
          decided(keap::ErrorClass::permanent,
                  "goal (" + goal.display() + "): may have fired: Keap did not answer (" +
                      r.error.message +
                      "); check the contact's automation in Keap, and `keapsync dead "
                      "retry --id " +
                      std::to_string(row) + "` sends it again"),
          "uncertain"};
    }
    if (const auto refusal = keap::goal_refusal(r.reply->body)) {
      co_return StepFailure{
          step, decided(keap::ErrorClass::permanent,
                        "goal (" + goal.display() + "): Keap did not achieve it: " + *refusal)};
    }
    // Recorded at once: the settlement may come late or not at all (a crash, the
    // database gone), and a row that fired must never read as "may have fired".
    try {
      co_await db_.run(
          [&](pqxx::connection& conn) { db::OutboxRepository(conn).achieved(row, c.lease_token); });
    } catch (const std::exception&) {
      // the settlement deletes it with the others; until then it reads as sent
    }
    logger_.info("goal achieved", {{"account", c.account},
                                   {"contact_ref", c.contact_ref},
                                   {"outbox_id", row},
                                   {"goal", goal.display()}});
  }
  co_return std::nullopt;
}

}  // namespace keapsync::engine
