// The delivery of one contact. The order of calls follows keap/contact_plan.hpp.
#include "engine/contact_processor.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "db/contact_map_repository.hpp"
#include "db/last_error.hpp"
#include "engine/failure_settlement.hpp"
#include "keap/coalesce.hpp"
#include "keap/contact_requests.hpp"
#include "keap/created_contact.hpp"
#include "keap/payload_parser.hpp"
#include "keap/plan_progress.hpp"
#include "keap/tag_requests.hpp"

namespace keapsync::engine {
namespace {

keap::ApiOutcome permanent(std::string message) {
  return keap::decided_failure(keap::ErrorClass::permanent, std::move(message));
}
keap::ApiOutcome transient(std::string message) {
  return keap::decided_failure(keap::ErrorClass::transient, std::move(message));
}

std::vector<std::int64_t> row_ids(const db::ClaimedContact& c) {
  std::vector<std::int64_t> ids;
  for (const auto& row : c.rows)
    ids.push_back(row.id);
  return ids;
}

// The contact as claimed, with none of its rows (a subset is added back).
db::ClaimedContact without_rows(const db::ClaimedContact& c) {
  return {c.account, c.contact_ref, c.lease_token, {}, c.keap_id, c.create_search_start};
}

bool is_not_found(const keap::ApiOutcome& r) {
  return !r.ok() && r.error.status == 404;
}

}  // namespace

ContactProcessor::ContactProcessor(db::DatabasePool& db, const RetryPolicy& policy, Clock clock,
                                   log::Logger logger)
    : db_(db), policy_(policy), clock_(std::move(clock)), logger_(std::move(logger)) {}

boost::asio::awaitable<Verdict> ContactProcessor::process(const db::ClaimedContact& c,
                                                          AccountContext& account,
                                                          const keap::CallWindow& window) {
  Verdict verdict;
  db::Settlement& s = verdict.settlement;
  db::ClaimedContact valid = without_rows(c);
  std::vector<keap::PendingChange> changes;
  for (const auto& row : c.rows) {
    if (row.sent) {
      // Keap has no idempotency key for goals: one that may have fired is not sent again.
      auto reason =
          "goal: sent to Keap by a delivery that ended before Keap's answer was recorded (the "
          "daemon stopped or lost the contact's lease); it may have fired: check the contact's "
          "automation in Keap, and `keapsync dead retry --id " +
          std::to_string(row.id) + "` sends it again";
      logger_.warn("goal may have fired: dead-lettered, not sent again",
                   {{"account", c.account}, {"contact_ref", c.contact_ref}, {"outbox_id", row.id}});
      verdict.bury(row.id, std::move(reason), "uncertain");
      continue;
    }
    // A payload over the cap was not fetched (OutboxRepository::claim): it is too big to read.
    auto parsed =
        row.payload_bytes > static_cast<std::int64_t>(keap::PayloadLimits::payload_bytes)
            ? keap::ParsedChange(std::vector<keap::PayloadError>{
                  {"payload", "too big: " + std::to_string(row.payload_bytes) +
                                  " bytes of JSON (at most " +
                                  std::to_string(keap::PayloadLimits::payload_bytes) + ")"}})
            : keap::parse_row(row.op, row.payload);
    if (auto* errors = std::get_if<std::vector<keap::PayloadError>>(&parsed)) {
      auto reason = db::capped_error(keap::join_errors(*errors));
      logger_.warn("invalid outbox row dead-lettered", {{"account", c.account},
                                                        {"contact_ref", c.contact_ref},
                                                        {"outbox_id", row.id},
                                                        {"error", reason}});
      verdict.bury(row.id, std::move(reason), "payload");
      continue;
    }
    changes.push_back(std::move(std::get<keap::PendingChange>(parsed)));
    valid.rows.push_back(row);
  }
  if (valid.rows.empty()) co_return verdict;

  const auto plan = keap::coalesce(changes);
  const auto failure = co_await execute(plan, valid, account, window, s);
  const auto now = clock_();
  if (!failure) {
    for (const auto& row : valid.rows)
      s.delivered.push_back(row.id);
    co_return verdict;  // the dispatcher logs it once the rows are settled
  }
  const auto& error = failure->outcome.error;
  // Fenced: the settlement below only lands if the lease is still ours.
  verdict.fenced = error.error_class == keap::ErrorClass::fenced;
  // Rows whose part is in Keap are settled as delivered whatever stopped the
  // plan: a retry must not delete a contact again, nor an error bury them.
  db::ClaimedContact failed = without_rows(c);
  db::ClaimedContact waiting = failed;
  const auto standings = keap::row_standings(changes, plan, failure->step);
  for (std::size_t i = 0; i < valid.rows.size(); ++i) {
    switch (standings[i]) {
      case keap::RowStanding::done:
        s.delivered.push_back(valid.rows[i].id);
        break;
      case keap::RowStanding::failed:
        failed.rows.push_back(valid.rows[i]);
        break;
      case keap::RowStanding::waiting:
        waiting.rows.push_back(valid.rows[i]);
        break;
    }
  }
  if (error.error_class == keap::ErrorClass::permanent) {
    for (const auto& row : failed.rows)
      verdict.bury(row.id, error.message,
                   failure->dead_class != nullptr ? failure->dead_class : "permanent");
    logger_.warn("Keap refused the change: rows dead-lettered",
                 {{"account", c.account},
                  {"contact_ref", c.contact_ref},
                  {"error", error.message},
                  {"dead", static_cast<std::int64_t>(failed.rows.size())},
                  {"delivered", static_cast<std::int64_t>(s.delivered.size())}});
    if (!waiting.rows.empty()) {
      // Not theirs to pay for: the later steps run on the next claim.
      s.retry = row_ids(waiting);
      s.retry_error = "waiting: an earlier change of this contact was refused";
      s.retry_after = policy_.ceiling(1);
      s.count_attempt = false;
      verdict.retry_class = "transient";
    }
    co_return verdict;
  }
  // Every other stop retries the rest: the failed step and the ones after it.
  db::ClaimedContact rest = failed;
  rest.rows.insert(rest.rows.end(), waiting.rows.begin(), waiting.rows.end());
  std::sort(rest.rows.begin(), rest.rows.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  switch (error.error_class) {
    case keap::ErrorClass::transient: {
      if (!error.request_sent) {
        // Keap never saw it: wait the first backoff, count nothing.
        s.retry = row_ids(rest);
        s.retry_error = error.message;
        s.retry_after = policy_.ceiling(1);
        s.count_attempt = false;
        verdict.retry_class = "transient";
        break;
      }
      auto retry = settle_transient_failure(rest, error.message, policy_);
      for (auto& [id, reason] : retry.dead)
        verdict.bury(id, std::move(reason), "attempts_exhausted");
      s.retry = std::move(retry.retry);
      if (!s.retry.empty()) verdict.retry_class = "transient";
      s.retry_error = retry.retry_error;
      s.retry_after = retry.retry_after;
      logger_.warn("delivery failed, will retry", {{"account", c.account},
                                                   {"contact_ref", c.contact_ref},
                                                   {"error", error.message},
                                                   {"gave_up", s.retry.empty()}});
      break;
    }
    case keap::ErrorClass::throttled:
    case keap::ErrorClass::auth:
    case keap::ErrorClass::fenced:
    case keap::ErrorClass::permanent:  // handled above
      // Not the rows' fault: wait without counting an attempt.
      s.retry = row_ids(rest);
      s.retry_error = error.message;
      s.retry_after = std::max<std::chrono::milliseconds>(
          std::chrono::duration_cast<std::chrono::milliseconds>(failure->outcome.retry_at - now),
          std::chrono::seconds(1));
      s.count_attempt = false;
      if (!verdict.fenced) verdict.retry_class = keap::to_string(error.error_class);
      break;
  }
  co_return verdict;
}

boost::asio::awaitable<std::optional<ContactProcessor::StepFailure>> ContactProcessor::execute(
    const keap::ContactPlan& plan, const db::ClaimedContact& c, AccountContext& account,
    const keap::CallWindow& window, db::Settlement& settlement) {
  auto failure = co_await write_contact(plan, c, account, window, settlement);
  if (failure || plan.events.empty()) co_return failure;
  std::optional<std::string> id = c.keap_id;
  if (settlement.keap_id_change == db::Settlement::KeapId::learned) id = settlement.keap_id;
  if (settlement.keap_id_change == db::Settlement::KeapId::forgotten) id.reset();
  co_return co_await send_events(plan, c, id, account, window);
}

boost::asio::awaitable<std::optional<ContactProcessor::StepFailure>>
ContactProcessor::write_contact(const keap::ContactPlan& plan, const db::ClaimedContact& c,
                                AccountContext& account, const keap::CallWindow& window,
                                db::Settlement& settlement) {
  keap::KeapApi& api = *account.api;
  std::optional<std::string> id = c.keap_id;
  // Map changes go into the settlement, written with the rows once delivery ends.
  const auto forget = [&] {
    id.reset();
    settlement.keap_id_change = db::Settlement::KeapId::forgotten;
  };
  const auto stop = [](int step, keap::ApiOutcome outcome) {
    return std::optional<StepFailure>(StepFailure{step, std::move(outcome)});
  };

  if (plan.delete_contact && id) {
    auto r = co_await api.call(keap::delete_contact_request(*id), window);
    if (!r.ok() && !is_not_found(r)) co_return stop(keap::PlanStep::remove, std::move(r));
    forget();  // 404: gone already
  }
  if (!plan.upsert) co_return std::nullopt;
  const keap::ContactChange& change = *plan.upsert;
  const int fields = keap::PlanStep::fields;

  // A known id is updated; an unknown one (after a delete, or a 404 from the
  // contact keapsync knew) is created, unless an earlier create made it.
  // Bounded: a contact that keeps vanishing in Keap is created at last.
  for (int round = 0; change.has_contact_fields() && round < 3; ++round) {
    if (!id) {
      auto mapped = keap::map_create(change);
      if (!mapped.ok()) co_return stop(fields, permanent(keap::join_errors(mapped.errors)));
      const keap::KeapRequest& create = *mapped.request;
      if (!keap::matched_by_email(create)) {
        // An earlier attempt may have made this contact: look before creating it again.
        // At most one create is sent per claim, so the note read with the claim is current.
        const auto& since = c.create_search_start;
        const auto search = since ? keap::find_created_request(create, *since) : std::nullopt;
        if (search && round < 2) {
          auto r = co_await api.call(*search, window);
          if (!r.ok()) co_return stop(fields, std::move(r));
          if ((id = keap::created_contact_id(r.reply->body, create))) {
            settlement.keap_id_change = db::Settlement::KeapId::learned;
            settlement.keap_id = *id;
            continue;  // update the contact it made
          }
        }
        co_await db_.run([&](pqxx::connection& conn) {
          db::ContactMapRepository(conn).note_create(c.account, c.contact_ref);
        });
      }
      auto r = co_await api.call(create, window);
      if (!r.ok()) co_return stop(fields, std::move(r));
      const auto new_id = keap::contact_id_of(r.reply->body);
      if (!new_id)
        co_return stop(fields, permanent("Keap created the contact but sent no numeric id"));
      id = new_id;
      settlement.keap_id_change = db::Settlement::KeapId::learned;
      settlement.keap_id = *new_id;
      break;
    }
    boost::json::object current;
    const auto to_fetch = keap::fields_to_fetch(change);
    if (!to_fetch.empty()) {
      auto r = co_await api.call(keap::get_contact_request(*id, to_fetch), window);
      if (is_not_found(r)) {
        forget();  // merged or deleted in Keap: create it again
        continue;
      }
      if (!r.ok()) co_return stop(fields, std::move(r));
      if (r.reply->body.is_object()) current = r.reply->body.as_object();
    }
    auto mapped = keap::map_update(change, *id, current);
    if (!mapped.ok()) co_return stop(fields, permanent(keap::join_errors(mapped.errors)));
    if (mapped.request) {
      auto r = co_await api.call(*mapped.request, window);
      if (is_not_found(r)) {
        forget();
        continue;
      }
      if (!r.ok()) co_return stop(fields, std::move(r));
    }
    break;
  }
  if (change.has_contact_fields() && !id) {
    keap::ApiOutcome vanished;
    vanished.error.error_class = keap::ErrorClass::transient;
    vanished.error.message = "Keap answered 404 for the contact while keapsync was writing it";
    co_return stop(fields, std::move(vanished));
  }
  if (change.tags_add.empty() && change.tags_remove.empty()) co_return std::nullopt;
  if (!id) {
    co_return stop(
        keap::PlanStep::first_tag,
        permanent("payload.tags_add/tags_remove: keapsync knows no Keap contact for this "
                  "contact_ref yet; send an upsert with email, phone or address first"));
  }
  co_return co_await apply_tags(plan, *id, account, window);
}

boost::asio::awaitable<std::optional<ContactProcessor::StepFailure>> ContactProcessor::apply_tags(
    const keap::ContactPlan& plan, const std::string& keap_id, AccountContext& account,
    const keap::CallWindow& window) {
  const keap::ContactChange& change = *plan.upsert;
  std::optional<keap::ApiOutcome> failure;
  const auto order = keap::tag_order(plan);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const keap::TagStep t = order[k];
    const int step = keap::PlanStep::first_tag + static_cast<int>(k);
    if (t.remove) {
      const auto& tag = change.tags_remove[t.index];
      const auto tag_id = co_await account.tags->resolve(tag, false, *account.api, window, failure);
      if (failure) co_return StepFailure{step, std::move(*failure)};
      if (!tag_id) continue;  // a tag that does not exist is on no contact
      auto r = co_await account.tag_calls->send(keap::TagAction::remove, *tag_id, keap_id, window);
      if (!r.ok() && !is_not_found(r)) co_return StepFailure{step, std::move(r)};
      continue;
    }
    const auto& tag = change.tags_add[t.index];
    // A tag deleted in Keap answers 404: resolved (and created) once more.
    for (int round = 0;; ++round) {
      const auto tag_id = co_await account.tags->resolve(tag, account.create_missing_tags,
                                                         *account.api, window, failure);
      if (failure) co_return StepFailure{step, std::move(*failure)};
      if (!tag_id)
        co_return StepFailure{step,
                              permanent("payload.tags_add: Keap has no tag " + tag.display())};
      auto r = co_await account.tag_calls->send(keap::TagAction::apply, *tag_id, keap_id, window);
      if (is_not_found(r) && !tag.is_id()) {
        co_await account.tags->forget(tag.name, *tag_id);
        if (round == 0) continue;
        // Deleted again, or another delivery cached the old id meanwhile: the
        // next claim resolves the name afresh.
        co_return StepFailure{step, transient("payload.tags_add: Keap tag " + tag.display() +
                                              " was deleted while it was being applied")};
      }
      if (!r.ok()) co_return StepFailure{step, std::move(r)};
      break;
    }
  }
  co_return std::nullopt;
}

}  // namespace keapsync::engine
