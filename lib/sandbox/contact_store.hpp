// The sandbox's contacts, in memory: v2 create / update (with update_mask) /
// delete, duplicate matching for `duplicate_option`, applied tags, the opt-in
// status of their e-mail addresses (EmailStatuses, by address), and a JSON
// snapshot for the --state file. Bodies are validated before they get here.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/email_statuses.hpp"

namespace keapsync::sandbox {

class ContactStore {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  enum class Duplicate { Email, EmailAndName, EmailAndNameAndCompany };

  // Creates a contact; returns its id.
  std::uint64_t create(const boost::json::object& body, TimePoint now);
  // Replaces the fields in `body` (all of them, or only those in `mask`,
  // where a masked field absent from `body` is cleared). False if unknown.
  bool update(std::uint64_t id, const boost::json::object& body,
              const std::vector<std::string>& mask, TimePoint now);
  bool erase(std::uint64_t id);
  bool exists(std::uint64_t id) const { return contacts_.count(id) != 0; }

  // The first contact (lowest id) that `body` duplicates under `rule`.
  std::optional<std::uint64_t> find_duplicate(const boost::json::object& body,
                                              Duplicate rule) const;

  // E-mail opt-in status (RestEmailAddressStatus) of an address some contact
  // holds, matched in any case; nullopt when no contact holds it.
  std::optional<boost::json::object> email_status(std::string_view email) const;
  // Opts a held address in or out (EmailStatuses::opt); nullopt when no contact holds it.
  std::optional<boost::json::object> opt_email(std::string_view email, bool opted_in,
                                               const std::string& reason, TimePoint now);
  // Sets any status of any address (POST /_sandbox/email_status).
  boost::json::object set_email_status(std::string_view email, const std::string& status,
                                       const std::string& reason, TimePoint now);
  // Every status change, in order (GET /_sandbox/email_status).
  boost::json::value email_status_log() const { return emails_.log(); }

  // The contact as the v2 API returns it (Contact schema), each e-mail address
  // with its current email_opt_status and is_opt_in.
  std::optional<boost::json::object> render(std::uint64_t id) const;
  std::vector<std::uint64_t> ids() const;
  std::size_t size() const { return contacts_.size(); }

  // Tags: true when newly applied / removed.
  bool apply_tag(std::uint64_t id, std::uint64_t tag_id, TimePoint now);
  bool remove_tag(std::uint64_t id, std::uint64_t tag_id);
  std::map<std::uint64_t, TimePoint> tags_of(std::uint64_t id) const;
  void forget_tag(std::uint64_t tag_id);

  boost::json::value snapshot() const;
  void restore(const boost::json::value& snapshot);  // throws on a malformed snapshot

 private:
  struct Record {
    boost::json::object fields;
    TimePoint created, updated;
    std::map<std::uint64_t, TimePoint> tags;  // tag id → applied time
  };
  void set_field(Record& r, const std::string& key, const boost::json::value* value, TimePoint now);
  void index(std::uint64_t id, const Record& r);
  void unindex(std::uint64_t id, const Record& r);

  std::map<std::uint64_t, Record> contacts_;
  // Ids by primary e-mail: a duplicate check costs the same with a million
  // contacts stored as with ten.
  std::map<std::string, std::set<std::uint64_t>> by_email_;
  // Ids by every e-mail address they hold (EMAIL1..3), lower-case.
  std::map<std::string, std::set<std::uint64_t>> holders_;
  EmailStatuses emails_;
  std::uint64_t next_id_ = 1;
};

}  // namespace keapsync::sandbox
