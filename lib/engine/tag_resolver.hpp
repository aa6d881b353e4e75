// Keap tag ids by name for one account, and the creation of a name Keap
// lacks, exactly once: deliveries in this daemon that need the same name wait
// for one resolution (single flight), and daemons take turns through
// keapsync.tag_name. A turn is longer than its calls by construction; inside
// it the holder looks in Keap once more before it POSTs, and a POST that may
// have reached Keap keeps the turn until it runs out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "db/database_pool.hpp"
#include "keap/api_outcome.hpp"
#include "keap/call_window.hpp"
#include "keap/keap_api.hpp"
#include "keap/tag_ref.hpp"
#include "log/logger.hpp"

namespace keapsync::engine {

class TagResolver {
 public:
  TagResolver(db::DatabasePool& db, std::string account, log::Logger logger);

  // The tag's id; nullopt with `failure` unset: Keap has no such tag (and it
  // was not created, `create` being false). Keap's errors go to `failure`.
  boost::asio::awaitable<std::optional<std::int64_t>> resolve(
      const keap::TagRef& tag, bool create, keap::KeapApi& api, const keap::CallWindow& window,
      std::optional<keap::ApiOutcome>& failure);

  // Keap answered 404 for `id`: the tag was deleted there.
  boost::asio::awaitable<void> forget(const std::string& name, std::int64_t id);

 private:
  boost::asio::awaitable<std::optional<std::int64_t>> resolve_once(
      const std::string& name, bool create, keap::KeapApi& api, const keap::CallWindow& window,
      std::optional<keap::ApiOutcome>& failure);
  // Inside this daemon's turn: looks once more, then POSTs (`posted`). A
  // found tag answers like a created one.
  boost::asio::awaitable<keap::ApiOutcome> create_in_turn(const std::string& name,
                                                          keap::KeapApi& api,
                                                          const keap::CallWindow& in_turn,
                                                          bool& posted);
  // Holds the turn `mark` after a create Keap may carry out late, looking in
  // Keap for the tag now and then; its id once found.
  boost::asio::awaitable<std::optional<std::int64_t>> look_again(const std::string& name,
                                                                 keap::KeapApi& api,
                                                                 const keap::CallWindow& window,
                                                                 const std::string& mark);
  boost::asio::awaitable<void> record(const std::string& name, std::int64_t id);
  // Waits, within the caller's window, until another daemon's turn to create
  // `name` records its id or ends.
  boost::asio::awaitable<std::optional<std::int64_t>> await_other_creator(
      const std::string& name, const keap::CallWindow& window);

  db::DatabasePool& db_;
  std::string account_;
  log::Logger logger_;
  std::map<std::string, std::int64_t> ids_;
  // Names being resolved in this daemon; waiters wait on the timer, which is
  // cancelled when the resolution ends.
  std::map<std::string, std::shared_ptr<boost::asio::steady_timer>> flights_;
};

}  // namespace keapsync::engine
