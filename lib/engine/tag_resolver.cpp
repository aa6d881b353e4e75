// Tag names to ids: cache, single flight, the shared table, then Keap.
#include "engine/tag_resolver.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "db/tag_name_repository.hpp"
#include "engine/lease_fence.hpp"
#include "keap/tag_requests.hpp"

namespace keapsync::engine {
namespace {

// How often a daemon waiting for another's creation looks for the id.
constexpr auto kCreatorPoll = std::chrono::milliseconds(250);
// A creator's turn outlasts the delivery's call deadline by this, so that
// waiting for a permit leaves the POST room before the turn's end caps it.
constexpr auto kTurnMargin = std::chrono::seconds(5);
// Looks in Keap (and waits for other daemons' turns) before the delivery is
// retried later instead.
constexpr int kCreateRounds = 3;
// After a POST Keap may still carry out, its creator holds the turn this long
// and looks in Keap every kLookAgain for the tag.
constexpr auto kLateCreate = std::chrono::seconds(30);
constexpr auto kLookAgain = std::chrono::seconds(2);
// The longest a delivery waits for another daemon's turn: a turn, and a hold.
constexpr auto kLongestTurn = std::chrono::seconds(60) + kTurnMargin + kLateCreate;

using SteadyTime = std::chrono::steady_clock::time_point;

std::optional<std::int64_t> numeric_id(const boost::json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto* id = v.as_object().if_contains("id");
  if (id == nullptr) return std::nullopt;
  if (id->is_int64()) return id->as_int64();
  if (id->is_uint64()) return static_cast<std::int64_t>(id->as_uint64());
  if (!id->is_string()) return std::nullopt;
  const std::string text(id->as_string());
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;  // Keap tag ids are numbers: anything else is not one
  return std::stoll(text);
}

// The id of the tag named exactly `name` in a GET /tags answer.
std::optional<std::int64_t> id_in_listing(const boost::json::value& body, const std::string& name) {
  const auto* tags = body.is_object() ? body.as_object().if_contains("tags") : nullptr;
  if (tags == nullptr || !tags->is_array()) return std::nullopt;
  for (const auto& t : tags->as_array()) {
    const auto* n = t.is_object() ? t.as_object().if_contains("name") : nullptr;
    if (n != nullptr && n->is_string() && n->as_string() == name) return numeric_id(t);
  }
  return std::nullopt;
}

keap::ApiOutcome transient(std::string message) {
  return keap::decided_failure(keap::ErrorClass::transient, std::move(message));
}

// Whether Keap may have acted on a request that failed: it was sent and no
// answer says it was refused (no answer at all, a timeout, a 5xx, a 2xx
// keapsync could not read).
bool may_have_changed_keap(const keap::ApiError& e) {
  if (e.error_class == keap::ErrorClass::fenced || !e.request_sent) return false;
  return e.status == 0 || e.status == 408 || e.status >= 500 || (e.status >= 200 && e.status < 300);
}

// `window`, with every call also ended by `end` and none started with less
// than LeaseFence::kMinCall left.
keap::CallWindow capped(keap::CallWindow window, SteadyTime end) {
  return [window = std::move(window), end]() -> std::optional<SteadyTime> {
    auto until = window ? window() : std::optional<SteadyTime>(end);
    if (!until) return std::nullopt;
    until = std::min(*until, end);
    if (*until - std::chrono::steady_clock::now() < LeaseFence::kMinCall) return std::nullopt;
    return until;
  };
}

}  // namespace

TagResolver::TagResolver(db::DatabasePool& db, std::string account, log::Logger logger)
    : db_(db), account_(std::move(account)), logger_(std::move(logger)) {}

boost::asio::awaitable<std::optional<std::int64_t>> TagResolver::resolve(
    const keap::TagRef& tag, bool create, keap::KeapApi& api, const keap::CallWindow& window,
    std::optional<keap::ApiOutcome>& failure) {
  if (tag.is_id()) co_return tag.id;
  const std::string& name = tag.name;
  for (;;) {
    if (const auto it = ids_.find(name); it != ids_.end()) co_return it->second;
    const auto flight = flights_.find(name);
    if (flight == flights_.end()) break;
    const auto timer = flight->second;  // keeps it alive while waiting
    boost::system::error_code ec;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(
      co_await boost::asio::this_coro::executor, boost::asio::steady_timer::time_point::max());
  flights_.emplace(name, timer);
  std::optional<std::int64_t> id;
  std::exception_ptr error;
  try {
    id = co_await resolve_once(name, create, api, window, failure);
  } catch (...) {
    error = std::current_exception();
  }
  flights_.erase(name);
  timer->cancel();
  if (error) std::rethrow_exception(error);
  if (id) ids_[name] = *id;
  co_return id;
}

boost::asio::awaitable<std::optional<std::int64_t>> TagResolver::resolve_once(
    const std::string& name, bool create, keap::KeapApi& api, const keap::CallWindow& window,
    std::optional<keap::ApiOutcome>& failure) {
  if (auto known = co_await db_.run(
          [&](pqxx::connection& c) { return db::TagNameRepository(c).find(account_, name); }))
    co_return known;
  for (int round = 0;; ++round) {
    auto listed = co_await api.call(keap::find_tag_request(name), window);
    if (!listed.ok()) {
      failure = std::move(listed);
      co_return std::nullopt;
    }
    if (const auto id = id_in_listing(listed.reply->body, name)) {
      co_await record(name, *id);
      co_return id;
    }
    if (!create) co_return std::nullopt;
    if (round == kCreateRounds) {
      failure = transient("Keap tag \"" + name + "\" is being created by another daemon");
      co_return std::nullopt;
    }
    // The turn ends in the database no sooner than `sent + turn` here (both
    // count from before the claim was sent); its calls end kMargin before.
    const auto sent = std::chrono::steady_clock::now();
    const auto deadline = window ? window() : std::nullopt;
    if (window && !deadline) {
      failure = keap::not_sent();
      co_return std::nullopt;
    }
    const auto turn = std::chrono::duration_cast<std::chrono::milliseconds>(
        (deadline ? *deadline - sent : std::chrono::seconds(60)) + kTurnMargin);
    const auto mark = co_await db_.run([&](pqxx::connection& c) {
      return db::TagNameRepository(c).claim_creation(account_, name, turn);
    });
    if (!mark) {
      if (auto id = co_await await_other_creator(name, window)) co_return id;
      continue;  // its turn ended without an id: look in Keap again
    }
    const auto in_turn = capped(window, sent + turn - LeaseFence::kMargin);
    bool posted = false;
    auto created = co_await create_in_turn(name, api, in_turn, posted);
    if (created.ok()) {
      if (const auto id = numeric_id(created.reply->body)) {
        co_await record(name, *id);
        co_return id;
      }
    }
    if (posted && (created.ok() || may_have_changed_keap(created.error))) {
      // The tag exists, or Keap may create it yet: nobody else may POST
      // before a look in Keap can find it.
      if (auto id = co_await look_again(name, api, window, *mark)) co_return id;
      failure = created.ok() ? transient("Keap created tag \"" + name + "\" but sent no id")
                             : std::move(created);
      co_return std::nullopt;
    }
    co_await db_.run(
        [&](pqxx::connection& c) { db::TagNameRepository(c).end_creation(account_, name, *mark); });
    const bool turn_too_short =
        created.error.error_class == keap::ErrorClass::fenced && (!window || window());
    if (turn_too_short) continue;  // waiting for a permit used the turn up
    failure = std::move(created);
    co_return std::nullopt;
  }
}

boost::asio::awaitable<std::optional<std::int64_t>> TagResolver::look_again(
    const std::string& name, keap::KeapApi& api, const keap::CallWindow& window,
    const std::string& mark) {
  const auto sent = std::chrono::steady_clock::now();
  const auto held = co_await db_.run([&](pqxx::connection& c) {
    return db::TagNameRepository(c).hold_creation(account_, name, mark, kLateCreate);
  });
  if (!held) co_return std::nullopt;
  const auto until = sent + kLateCreate - LeaseFence::kMargin;
  const auto in_hold = capped(window, until);
  boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
  while (std::chrono::steady_clock::now() + kLookAgain + LeaseFence::kMinCall < until) {
    pause.expires_after(kLookAgain);
    boost::system::error_code ec;
    co_await pause.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    auto listed = co_await api.call(keap::find_tag_request(name), in_hold);
    if (!listed.ok()) {
      if (listed.error.error_class == keap::ErrorClass::fenced) co_return std::nullopt;
      continue;
    }
    if (const auto id = id_in_listing(listed.reply->body, name)) {
      co_await record(name, *id);
      logger_.info("found the Keap tag a create Keap answered late made",
                   {{"account", account_}, {"tag", name}, {"tag_id", *id}});
      co_return id;
    }
  }
  co_return std::nullopt;  // the hold runs out by itself
}

boost::asio::awaitable<keap::ApiOutcome> TagResolver::create_in_turn(
    const std::string& name, keap::KeapApi& api, const keap::CallWindow& in_turn, bool& posted) {
  // A holder whose turn ended before it recorded the id (a crash, an answer
  // lost) may have created the tag: look once more inside this turn.
  auto listed = co_await api.call(keap::find_tag_request(name), in_turn);
  if (!listed.ok()) co_return listed;
  if (const auto id = id_in_listing(listed.reply->body, name)) {
    keap::ApiOutcome found;
    found.reply = keap::ApiReply{200, boost::json::object{{"id", *id}}};
    co_return found;
  }
  posted = true;
  auto created = co_await api.call(keap::create_tag_request(name), in_turn);
  if (created.ok()) {
    logger_.info("created Keap tag", {{"account", account_},
                                      {"tag", name},
                                      {"tag_id", numeric_id(created.reply->body).value_or(0)}});
  }
  co_return created;
}

boost::asio::awaitable<void> TagResolver::record(const std::string& name, std::int64_t id) {
  co_await db_.run(
      [&](pqxx::connection& c) { db::TagNameRepository(c).record(account_, name, id); });
}

boost::asio::awaitable<std::optional<std::int64_t>> TagResolver::await_other_creator(
    const std::string& name, const keap::CallWindow& window) {
  boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
  const auto give_up = std::chrono::steady_clock::now() + kLongestTurn;
  while (std::chrono::steady_clock::now() < give_up) {
    pause.expires_after(kCreatorPoll);
    boost::system::error_code ec;
    co_await pause.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (auto id = co_await db_.run(
            [&](pqxx::connection& c) { return db::TagNameRepository(c).find(account_, name); }))
      co_return id;
    // The other's turn over (crashed, failed): take part again.
    const bool pending = co_await db_.run([&](pqxx::connection& c) {
      return db::TagNameRepository(c).creation_pending(account_, name);
    });
    if (!pending) co_return std::nullopt;
    if (window && !window()) co_return std::nullopt;  // the caller's lease is gone
  }
  co_return std::nullopt;  // a database clock that stepped back: look in Keap again
}

boost::asio::awaitable<void> TagResolver::forget(const std::string& name, std::int64_t id) {
  if (const auto it = ids_.find(name); it != ids_.end() && it->second == id) ids_.erase(it);
  co_await db_.run(
      [&](pqxx::connection& c) { db::TagNameRepository(c).forget(account_, name, id); });
}

}  // namespace keapsync::engine
