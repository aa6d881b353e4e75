// E-mail opt-in statuses by address, and the log of their changes.
#include "sandbox/email_statuses.hpp"

#include <boost/json.hpp>

#include <stdexcept>

#include "ascii/ascii.hpp"
#include "db/timestamp.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

constexpr std::string_view kAll[] = {"UNENGAGED_MARKETABLE",
                                     "SINGLE_OPT_IN",
                                     "DOUBLE_OPT_IN",
                                     "CONFIRMED",
                                     "UNENGAGED_NON_MARKETABLE",
                                     "NON_MARKETABLE",
                                     "LOCKDOWN",
                                     "BOUNCE",
                                     "HARD_BOUNCE",
                                     "MANUAL",
                                     "ADMIN",
                                     "SYSTEM",
                                     "LIST_UNSUBSCRIBE",
                                     "FEEDBACK",
                                     "SPAM",
                                     "INVALID",
                                     "DEACTIVATED"};

constexpr std::string_view kSources[] = {"emailAddresses", "contacts", "sandbox"};

std::int64_t to_ms(EmailStatuses::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
EmailStatuses::TimePoint from_ms(std::int64_t ms) {
  return EmailStatuses::TimePoint{std::chrono::milliseconds{ms}};
}

EmailStatuses::Source source_named(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kSources); ++i)
    if (kSources[i] == name) return static_cast<EmailStatuses::Source>(i);
  throw std::runtime_error("unknown e-mail status source " + std::string(name));
}

std::string checked_status(std::string_view status) {
  if (!EmailStatuses::is_status(status))
    throw std::runtime_error("unknown e-mail status " + std::string(status));
  return std::string(status);
}

}  // namespace

bool EmailStatuses::is_status(std::string_view status) {
  for (auto s : kAll)
    if (s == status) return true;
  return false;
}

bool EmailStatuses::opted_in(std::string_view status) {
  return status == "SINGLE_OPT_IN" || status == "DOUBLE_OPT_IN" || status == "CONFIRMED";
}

bool EmailStatuses::opt_in_allowed(std::string_view status) {
  return status == "UNENGAGED_MARKETABLE" || status == "UNENGAGED_NON_MARKETABLE" ||
         status == "NON_MARKETABLE" || status == "MANUAL";
}

const EmailStatuses::Status* EmailStatuses::find(std::string_view email) const {
  const auto it = statuses_.find(ascii::to_lower(email));
  return it == statuses_.end() ? nullptr : &it->second;
}

const EmailStatuses::Status& EmailStatuses::see(std::string_view email, TimePoint now,
                                                std::string_view initial) {
  return entry(email, now, initial);
}

EmailStatuses::Status& EmailStatuses::entry(std::string_view email, TimePoint now,
                                            std::string_view initial) {
  auto key = ascii::to_lower(email);
  auto it = statuses_.find(key);
  if (it == statuses_.end()) {
    Status s{std::string(email), std::string(is_status(initial) ? initial : "UNENGAGED_MARKETABLE"),
             now};
    it = statuses_.emplace(std::move(key), std::move(s)).first;
  }
  return it->second;
}

const EmailStatuses::Status& EmailStatuses::opt(std::string_view email, bool opted_in,
                                                const std::string& reason, Source source,
                                                TimePoint now) {
  auto& s = entry(email, now, "UNENGAGED_MARKETABLE");
  if (opted_in) {
    if (opt_in_allowed(s.status)) change(s, "SINGLE_OPT_IN", reason, source, now);
  } else if (EmailStatuses::opted_in(s.status) || opt_in_allowed(s.status)) {
    // A bounce, a complaint, an unsubscribe link… stay: an opt-out never makes
    // an address one that an opt-in could move.
    change(s, "MANUAL", reason, source, now);
  }
  return s;
}

const EmailStatuses::Status& EmailStatuses::set(std::string_view email, const std::string& status,
                                                const std::string& reason, TimePoint now) {
  auto& s = entry(email, now, "UNENGAGED_MARKETABLE");
  change(s, checked_status(status), reason, Source::Sandbox, now);
  return s;
}

void EmailStatuses::change(Status& s, const std::string& status, const std::string& reason,
                           Source source, TimePoint now) {
  if (s.status == status) return;
  log_.push_back({s.email, s.status, status, reason, source, now});
  s.status = status;
}

json::object EmailStatuses::render(const Status& s) {
  return json::object{{"email", s.email},
                      {"opted_in", opted_in(s.status)},
                      {"status", s.status},
                      {"create_time", db::iso_time(s.created)}};
}

json::value EmailStatuses::log() const {
  json::array out;
  for (const auto& c : log_)
    out.push_back(json::object{{"email", c.email},
                               {"opted_in", opted_in(c.status)},
                               {"status", c.status},
                               {"from", c.from},
                               {"reason", c.reason},
                               {"source", kSources[static_cast<std::size_t>(c.source)]},
                               {"at", db::iso_time(c.at)}});
  return json::object{{"changes", std::move(out)}};
}

json::value EmailStatuses::snapshot() const {
  json::array statuses, changes;
  for (const auto& [key, s] : statuses_)
    statuses.push_back(
        json::object{{"email", s.email}, {"status", s.status}, {"created_ms", to_ms(s.created)}});
  for (const auto& c : log_)
    changes.push_back(json::object{{"email", c.email},
                                   {"from", c.from},
                                   {"status", c.status},
                                   {"reason", c.reason},
                                   {"source", kSources[static_cast<std::size_t>(c.source)]},
                                   {"at_ms", to_ms(c.at)}});
  return json::object{{"statuses", std::move(statuses)}, {"changes", std::move(changes)}};
}

void EmailStatuses::restore(const json::value& snapshot) {
  std::map<std::string, Status> statuses;
  std::vector<Change> log;
  const auto& root = snapshot.as_object();
  for (const auto& item : root.at("statuses").as_array()) {
    const auto& o = item.as_object();
    Status s{std::string(o.at("email").as_string()), checked_status(o.at("status").as_string()),
             from_ms(o.at("created_ms").to_number<std::int64_t>())};
    statuses[ascii::to_lower(s.email)] = std::move(s);
  }
  for (const auto& item : root.at("changes").as_array()) {
    const auto& o = item.as_object();
    log.push_back({std::string(o.at("email").as_string()), checked_status(o.at("from").as_string()),
                   checked_status(o.at("status").as_string()),
                   std::string(o.at("reason").as_string()),
                   source_named(o.at("source").as_string()),
                   from_ms(o.at("at_ms").to_number<std::int64_t>())});
  }
  statuses_ = std::move(statuses);
  log_ = std::move(log);
}

}  // namespace keapsync::sandbox
