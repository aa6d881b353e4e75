// The opt-in status of every e-mail address the sandbox has seen, kept per
// address (any case) as Keap keeps it, not per contact: contacts that share an
// address share its status, and an address keeps its status when the last
// contact holding it lets it go. Every change is logged for GET
// /_sandbox/email_status; the ContactStore owns the one instance.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace keapsync::sandbox {

class EmailStatuses {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  // What changed a status: PATCH …/emailAddresses/{email}/status, a contact
  // write with opt_in_reason, or POST /_sandbox/email_status.
  enum class Source { Route, Contact, Sandbox };

  struct Status {
    std::string email;   // as first recorded
    std::string status;  // one of the spec's enum (kAll)
    TimePoint created;   // when first recorded
  };

  // The spec's RestEmailAddressStatus.status enum (also EmailAddress.email_opt_status).
  static bool is_status(std::string_view status);
  // SINGLE_OPT_IN, DOUBLE_OPT_IN and CONFIRMED: the statuses that read opted_in.
  static bool opted_in(std::string_view status);
  // The only statuses an opt-in moves (to SINGLE_OPT_IN): UNENGAGED_MARKETABLE,
  // UNENGAGED_NON_MARKETABLE, NON_MARKETABLE and MANUAL (updateEmailAddressOptStatus).
  static bool opt_in_allowed(std::string_view status);

  // The address's status; nullptr when it was never recorded.
  const Status* find(std::string_view email) const;
  // The address's status, recorded as `initial` (UNENGAGED_MARKETABLE unless
  // it is another of the enum) the first time it is seen, unlogged.
  const Status& see(std::string_view email, TimePoint now,
                    std::string_view initial = "UNENGAGED_MARKETABLE");
  // An opt-in moves an address in an opt_in_allowed status to SINGLE_OPT_IN; an
  // opt-out moves a marketable or opt-in-able one to MANUAL; other statuses stay.
  // A change is logged with `reason`. The status after.
  const Status& opt(std::string_view email, bool opted_in, const std::string& reason, Source source,
                    TimePoint now);
  // Sets any status (a sandbox hook: a bounce, an unsubscribe link); logged when it changes.
  const Status& set(std::string_view email, const std::string& status, const std::string& reason,
                    TimePoint now);

  // RestEmailAddressStatus: {email, opted_in, status, create_time}. The sandbox
  // sends no mail, so it has no last_sent/open/click_time to give.
  static boost::json::object render(const Status& s);

  // {"changes":[{"email","opted_in","status","from","reason","source","at"}…]} in order.
  boost::json::value log() const;

  boost::json::value snapshot() const;
  void restore(const boost::json::value& snapshot);  // throws on a malformed snapshot

 private:
  struct Change {
    std::string email, from, status, reason;
    Source source;
    TimePoint at;
  };
  Status& entry(std::string_view email, TimePoint now, std::string_view initial);
  void change(Status& s, const std::string& status, const std::string& reason, Source source,
              TimePoint now);

  std::map<std::string, Status> statuses_;  // by lower-case address
  std::vector<Change> log_;
};

}  // namespace keapsync::sandbox
