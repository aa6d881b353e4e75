// Delivers one claimed contact: validates its rows, coalesces them into one
// plan, runs the plan against Keap (contact, then tags) and says what became
// of each row. Invalid rows go dead alone; the others share one outcome.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "base/clock.hpp"
#include "db/claimed_contact.hpp"
#include "db/database_pool.hpp"
#include "db/settlement.hpp"
#include "engine/account_context.hpp"
#include "engine/retry_policy.hpp"
#include "engine/verdict.hpp"
#include "keap/call_window.hpp"
#include "keap/contact_plan.hpp"
#include "log/logger.hpp"

namespace keapsync::engine {

class ContactProcessor {
 public:
  ContactProcessor(db::DatabasePool& db, const RetryPolicy& policy, Clock clock,
                   log::Logger logger);

  // Every Keap call asks `window` for its deadline first; once it is closed
  // the plan stops before its next call and the verdict is `fenced`.
  boost::asio::awaitable<Verdict> process(const db::ClaimedContact& contact,
                                          AccountContext& account, const keap::CallWindow& window);

 private:
  // Why a plan stopped, and in which step (keap/plan_progress.hpp).
  struct StepFailure {
    int step = 0;
    keap::ApiOutcome outcome;
    // The dead letters' reason class when it is not the outcome's ("uncertain":
    // a goal that may have fired).
    const char* dead_class = nullptr;
  };
  // nullopt: done; otherwise where and why the plan stopped. What it learns
  // about the contact's Keap id goes into `settlement` (written with the rows).
  boost::asio::awaitable<std::optional<StepFailure>> execute(const keap::ContactPlan& plan,
                                                             const db::ClaimedContact& c,
                                                             AccountContext& account,
                                                             const keap::CallWindow& window,
                                                             db::Settlement& settlement);
  // The contact part of the plan: delete, fields, tags.
  boost::asio::awaitable<std::optional<StepFailure>> write_contact(const keap::ContactPlan& plan,
                                                                   const db::ClaimedContact& c,
                                                                   AccountContext& account,
                                                                   const keap::CallWindow& window,
                                                                   db::Settlement& settlement);
  // The plan's events, in row order, once the contact is written (event_delivery.cpp).
  boost::asio::awaitable<std::optional<StepFailure>> send_events(
      const keap::ContactPlan& plan, const db::ClaimedContact& c,
      const std::optional<std::string>& keap_id, AccountContext& account,
      const keap::CallWindow& window);
  boost::asio::awaitable<std::optional<StepFailure>> apply_tags(const keap::ContactPlan& plan,
                                                                const std::string& keap_id,
                                                                AccountContext& account,
                                                                const keap::CallWindow& window);
  db::DatabasePool& db_;
  const RetryPolicy& policy_;
  Clock clock_;
  log::Logger logger_;
};

}  // namespace keapsync::engine
