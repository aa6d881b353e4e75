// Tag names to ids: cache, single flight, the shared table, then Keap.
#include "engine/tag_resolver.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "db/tag_name_repository.hpp"
#include "keap/tag_requests.hpp"

namespace keapsync::engine {
namespace {

// How often a daemon waiting for another's creation looks for the id.
constexpr auto kCreatorPoll = std::chrono::milliseconds(250);
// A creator's turn outlasts its POST (whose deadline the window gives) by this.
constexpr auto kTurnMargin = std::chrono::seconds(5);

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

keap::ApiOutcome permanent(std::string message) {
  keap::ApiOutcome out;
  out.error.error_class = keap::ErrorClass::permanent;
  out.error.message = std::move(message);
  return out;
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
  for (;;) {
    auto found = co_await api.call(keap::find_tag_request(name), window);
    if (!found.ok()) {
      failure = std::move(found);
      co_return std::nullopt;
    }
    if (const auto id = id_in_listing(found.reply->body, name)) {
      co_await db_.run(
          [&](pqxx::connection& c) { db::TagNameRepository(c).record(account_, name, *id); });
      co_return id;
    }
    if (!create) co_return std::nullopt;
    const auto deadline = window ? window() : std::nullopt;
    const auto turn = std::chrono::duration_cast<std::chrono::milliseconds>(
        (deadline ? *deadline - std::chrono::steady_clock::now() : std::chrono::seconds(60)) +
        kTurnMargin);
    const bool mine = co_await db_.run([&](pqxx::connection& c) {
      return db::TagNameRepository(c).claim_creation(account_, name, turn);
    });
    if (!mine) {
      if (auto id = co_await await_other_creator(name, window)) co_return id;
      continue;  // its turn ended without an id: look in Keap again
    }
    auto created = co_await api.call(keap::create_tag_request(name), window);
    const auto id = created.ok() ? numeric_id(created.reply->body) : std::nullopt;
    if (!id) {
      co_await db_.run(
          [&](pqxx::connection& c) { db::TagNameRepository(c).forget(account_, name); });
      failure = created.ok() ? permanent("Keap created tag \"" + name + "\" but sent no id")
                             : std::move(created);
      co_return std::nullopt;
    }
    co_await db_.run(
        [&](pqxx::connection& c) { db::TagNameRepository(c).record(account_, name, *id); });
    logger_.info("created Keap tag", {{"account", account_}, {"tag", name}, {"tag_id", *id}});
    co_return id;
  }
}

boost::asio::awaitable<std::optional<std::int64_t>> TagResolver::await_other_creator(
    const std::string& name, const keap::CallWindow& window) {
  boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
  for (;;) {
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
}

boost::asio::awaitable<void> TagResolver::forget(const std::string& name) {
  ids_.erase(name);
  co_await db_.run([&](pqxx::connection& c) { db::TagNameRepository(c).forget(account_, name); });
}

}  // namespace keapsync::engine
