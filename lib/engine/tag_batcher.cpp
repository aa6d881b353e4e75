// Group commit of applyTags / removeTags (tag_batcher.hpp).
#include "engine/tag_batcher.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace keapsync::engine {

struct TagBatcher::Member {
  enum class Next { wait, answered, alone };

  Member(boost::asio::any_io_executor executor, std::string id, keap::CallWindow w)
      : contact_id(std::move(id)), window(std::move(w)), wake(std::move(executor)) {}

  // May a call carry this contact now?
  bool open() const { return !window || window().has_value(); }
  void answer(keap::ApiOutcome o) {
    outcome = std::move(o);
    next = Next::answered;
    wake.cancel();
  }
  void go_alone() {
    next = Next::alone;
    wake.cancel();
  }
  void take_lead() {
    leads = true;
    wake.cancel();
  }

  std::string contact_id;
  keap::CallWindow window;
  boost::asio::steady_timer wake;  // cancelled when there is news
  Next next = Next::wait;
  bool leads = false;
  keap::ApiOutcome outcome;
};

struct TagBatcher::Queue {
  std::deque<std::shared_ptr<Member>> waiting;   // in arrival order
  std::vector<std::shared_ptr<Member>> sending;  // carried by the call under way
  std::optional<keap::KeapRequest> request;      // that call
  bool led = false;                              // a member sends for the queue
};

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// One contact's part of a call's answer: applyTags answers a result per
// contact, which is all that contact needs to see of it.
keap::ApiOutcome own_answer(const keap::ApiOutcome& outcome, const std::string& contact_id) {
  if (!outcome.ok() || !outcome.reply->body.is_object()) return outcome;
  keap::ApiOutcome own;
  own.reply = keap::ApiReply{outcome.reply->status, boost::json::object{}};
  const auto* results = outcome.reply->body.as_object().if_contains("results");
  if (results && results->is_object()) {
    if (const auto* mine = results->as_object().if_contains(contact_id)) {
      own.reply->body.as_object()["results"] = boost::json::object{{contact_id, *mine}};
    }
  }
  return own;
}

}  // namespace

boost::asio::awaitable<keap::ApiOutcome> TagBatcher::send(keap::TagAction action,
                                                          std::int64_t tag_id,
                                                          const std::string& contact_id,
                                                          const keap::CallWindow& window) {
  // Checked here, not when a shared call is built: a bad id fails its own contact only.
  if (contact_id.empty() || contact_id.find_first_not_of("0123456789") != std::string::npos) {
    co_return keap::decided_failure(keap::ErrorClass::permanent,
                                    "keapsync holds a Keap contact id that is not a number");
  }
  auto me = std::make_shared<Member>(co_await boost::asio::this_coro::executor, contact_id, window);
  const Key key{action, tag_id};
  auto& slot = queues_[key];
  if (!slot) slot = std::make_shared<Queue>();
  const std::shared_ptr<Queue> queue = slot;  // the map may let go of it before we do
  queue->waiting.push_back(me);
  if (!queue->led) {
    queue->led = true;
    me->leads = true;
  }
  while (me->next == Member::Next::wait && !me->leads) {
    me->wake.expires_at(boost::asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await me->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (me->leads) co_await lead(key, *queue, *me);
  if (me->next == Member::Next::alone) {
    const auto request = keap::tag_contacts_request(action, tag_id, std::span(&contact_id, 1));
    co_return co_await api_.call(request, window);
  }
  co_return std::move(me->outcome);
}

boost::asio::awaitable<void> TagBatcher::lead(const Key& key, Queue& queue, Member& me) {
  // Every call answers or lets go of at least one contact, and the leader is
  // at the front of the queue: this ends.
  while (me.next == Member::Next::wait)
    co_await send_one(key, queue);
  me.leads = false;
  if (!queue.waiting.empty()) {
    queue.waiting.front()->take_lead();
  } else {
    queue.led = false;
    queues_.erase(key);
  }
}

boost::asio::awaitable<void> TagBatcher::send_one(const Key& key, Queue& q) {
  // Contacts whose lease allows no call any more are answered as the
  // single-contact call would be: not sent.
  const auto drop_closed = [&q] {
    std::erase_if(q.waiting, [](const auto& m) {
      if (m->open()) return false;
      m->answer(keap::not_sent());
      return true;
    });
  };
  const keap::KeapApi::RequestBuilder build = [&]() -> const keap::KeapRequest* {
    drop_closed();
    while (q.sending.size() < kMaxContacts && !q.waiting.empty()) {
      q.sending.push_back(std::move(q.waiting.front()));
      q.waiting.pop_front();
    }
    if (q.sending.empty()) return nullptr;
    std::vector<std::string> ids;
    ids.reserve(q.sending.size());
    for (const auto& m : q.sending)
      ids.push_back(m->contact_id);
    q.request = keap::tag_contacts_request(key.first, key.second, ids);
    return &*q.request;
  };
  const keap::CallWindow window = [&]() -> std::optional<SteadyTime> {
    if (q.sending.empty()) {  // not built yet: open while a contact may still go
      drop_closed();
      if (q.waiting.empty()) return std::nullopt;
      return SteadyTime::max();
    }
    SteadyTime earliest = SteadyTime::max();
    for (const auto& m : q.sending) {
      if (!m->window) continue;
      const auto deadline = m->window();
      if (!deadline) return std::nullopt;
      earliest = std::min(earliest, *deadline);
    }
    return earliest;
  };
  keap::ApiOutcome outcome;
  bool thrown = false;
  try {
    outcome = co_await api_.call(build, window);
  } catch (const std::exception& e) {
    outcome =
        keap::decided_failure(keap::ErrorClass::transient, std::string("internal: ") + e.what());
    thrown = true;
  }
  if (thrown) {
    // The call's contacts (all waiting ones, if it was never built) get the
    // failure, so that nobody waits for ever.
    if (q.sending.empty()) {
      for (const auto& m : q.waiting)
        m->answer(outcome);
      q.waiting.clear();
    }
    for (const auto& m : q.sending)
      m->answer(outcome);
    q.sending.clear();
    co_return;
  }
  if (q.sending.empty()) {
    // Never built (throttled beyond the wait, the account blocked, every
    // lease closed): the answer is that of every contact still waiting.
    for (const auto& m : q.waiting)
      m->answer(outcome);
    q.waiting.clear();
    co_return;
  }
  if (!outcome.ok() && outcome.error.error_class == keap::ErrorClass::fenced) {
    // A lease closed between the build and the send: the others go again, first.
    for (auto it = q.sending.rbegin(); it != q.sending.rend(); ++it) {
      if ((*it)->open())
        q.waiting.push_front(std::move(*it));
      else
        (*it)->answer(outcome);
    }
    q.sending.clear();
    co_return;
  }
  const bool several = q.request->body->at("contact_ids").as_array().size() > 1;
  // applyTags answers an unknown contact in its results: a 404 there is the tag's
  // (deleted), and each contact resolves it again. removeTags answers 404 for
  // the whole list when one contact is unknown: each goes alone.
  const bool tags_fault = key.first == keap::TagAction::apply && outcome.error.status == 404;
  const bool refused =
      !outcome.ok() && outcome.error.error_class == keap::ErrorClass::permanent && !tags_fault;
  for (const auto& m : q.sending) {
    if (refused && several)
      m->go_alone();
    else
      m->answer(own_answer(outcome, m->contact_id));
  }
  q.sending.clear();
}

}  // namespace keapsync::engine
