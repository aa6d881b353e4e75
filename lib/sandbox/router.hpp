// The sandbox's request handling, socket-free: maps a Request (method, target,
// headers, body) and the current time to a Response, applying Keap's OAuth,
// API-key, rate-limit and validation rules plus the configured faults.
// Thread-safe (one mutex); the Beast server only moves bytes.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "sandbox/contact_store.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/form_codec.hpp"
#include "sandbox/goal_store.hpp"
#include "sandbox/rate_limiter.hpp"
#include "sandbox/request.hpp"
#include "sandbox/response.hpp"
#include "sandbox/sandbox_config.hpp"
#include "sandbox/stats.hpp"
#include "sandbox/tag_store.hpp"
#include "sandbox/token_authority.hpp"

namespace keapsync::sandbox {

class Router {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  explicit Router(SandboxConfig config);

  // Any delay comes with the answer (apply_after_latency needs the two steps).
  Response handle(const Request& request, TimePoint now);
  // The same in two steps, for a server that waits out a delay before the
  // request takes effect: the fault decided first (none for /_sandbox/), then
  // the request handled under it.
  Faults::Decision admit(const Request& request);
  Response handle(const Request& request, TimePoint now, const Faults::Decision& fault);

  std::size_t max_body_bytes() const { return config_.max_body_bytes; }

  // Contacts (with their addresses' opt-in statuses and the log of changes),
  // tags, achieved goals and tokens as JSON (for --state); restore throws on
  // bad input.
  boost::json::value snapshot() const;
  void restore(const boost::json::value& snapshot);
  // File forms: load_state ignores a missing file; save_state writes atomically.
  void load_state(const std::string& path);
  void save_state(const std::string& path) const;

 private:
  Response dispatch(const Request& req, const Target& target, const std::string& path,
                    TimePoint now);
  Response admin(const Request& req, const std::string& path, TimePoint now);
  Response authorize(const Target& target, TimePoint now);
  Response token(const Request& req, TimePoint now);
  Response api(const Request& req, const Target& target, const std::string& path, TimePoint now);
  Response api_route(const Request& req, const Target& target, const std::string& path,
                     TimePoint now);
  Response create_contact(const Request& req, const Target& target, TimePoint now);
  Response update_contact(const Request& req, const Target& target, std::uint64_t id,
                          TimePoint now);
  Response list_contacts(const Target& target);
  Response list_tags(const Target& target);
  Response create_tag(const Request& req, TimePoint now);
  Response tag_contacts(const Request& req, std::uint64_t tag_id, bool apply, TimePoint now);
  Response contact_tags(std::uint64_t id);
  Response userinfo();

  SandboxConfig config_;
  mutable std::mutex mutex_;
  TokenAuthority tokens_;
  RateLimiter limiter_;
  Faults faults_;
  Stats stats_;
  ContactStore contacts_;
  TagStore tags_;
  GoalStore goals_;
  std::set<std::string> api_keys_;
  std::uint64_t next_request_id_ = 1;
};

}  // namespace keapsync::sandbox
