// Puts a tag on (or takes it off) many contacts of one account in one call:
// Keap's applyTags and removeTags take a list of contacts, and a tag campaign
// would otherwise cost a request per contact.
//
// Group commit, per tag and action: a call goes out at once when none for
// that tag is under way, so a lone contact waits for nobody; the contacts that
// come meanwhile go together in the next call, which is built only when it may
// leave (after the rate limiter's permit), so the busier the account, the
// bigger the calls. Each contact keeps its own lease: one whose window has
// closed is left out and answered not_sent(), and the call's deadline is the
// earliest of the others'. A refusal of a call for several contacts may be
// one contact's fault (a 400, a 404): each of them then goes again alone.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "keap/api_outcome.hpp"
#include "keap/call_window.hpp"
#include "keap/keap_api.hpp"
#include "keap/tag_requests.hpp"

namespace keapsync::engine {

class TagBatcher {
 public:
  // At most this many contacts per call (Keap documents no limit).
  static constexpr std::size_t kMaxContacts = 100;

  explicit TagBatcher(keap::KeapApi& api) : api_(api) {}

  // Keap's answer to the call that carried this contact. `window` must stay
  // valid until the answer: it is asked whenever a call may carry the contact.
  boost::asio::awaitable<keap::ApiOutcome> send(keap::TagAction action, std::int64_t tag_id,
                                                const std::string& contact_id,
                                                const keap::CallWindow& window);

 private:
  struct Member;
  struct Queue;
  using Key = std::pair<keap::TagAction, std::int64_t>;

  // Sends calls for `queue` until `me` has its answer, then hands the queue on.
  boost::asio::awaitable<void> lead(const Key& key, Queue& queue, Member& me);
  // One call: as many waiting contacts as fit, chosen when the call may leave.
  boost::asio::awaitable<void> send_one(const Key& key, Queue& queue);

  keap::KeapApi& api_;
  std::map<Key, std::shared_ptr<Queue>> queues_;
};

}  // namespace keapsync::engine
