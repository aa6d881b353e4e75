// In-memory v2 contacts with Keap's replace-the-array semantics.
#include "sandbox/contact_store.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

#include "ascii/ascii.hpp"
#include "db/timestamp.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                  : std::string{};
}

// The EMAIL1 address (or the first one), lower-case; "" when none.
std::string primary_email(const json::object& o) {
  auto it = o.find("email_addresses");
  if (it == o.end() || !it->value().is_array()) return {};
  std::string first;
  for (const auto& item : it->value().get_array()) {
    if (!item.is_object()) continue;
    auto email = ascii::to_lower(str(item.get_object(), "email"));
    if (str(item.get_object(), "field") == "EMAIL1") return email;
    if (first.empty()) first = email;
  }
  return first;
}

// Every address of the contact (EMAIL1..3) as stored.
std::vector<std::string> emails_of(const json::object& o) {
  std::vector<std::string> out;
  auto it = o.find("email_addresses");
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& item : it->value().get_array())
    if (item.is_object())
      if (auto email = str(item.get_object(), "email"); !email.empty())
        out.push_back(std::move(email));
  return out;
}

std::string company_id(const json::object& o) {
  auto it = o.find("company");
  return it != o.end() && it->value().is_object() ? str(it->value().get_object(), "id")
                                                  : std::string{};
}

std::int64_t to_ms(ContactStore::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
ContactStore::TimePoint from_ms(std::int64_t ms) {
  return ContactStore::TimePoint{std::chrono::milliseconds{ms}};
}

}  // namespace

void ContactStore::index(std::uint64_t id, const Record& r) {
  if (auto email = primary_email(r.fields); !email.empty()) by_email_[email].insert(id);
  for (const auto& email : emails_of(r.fields))
    holders_[ascii::to_lower(email)].insert(id);
}

void ContactStore::unindex(std::uint64_t id, const Record& r) {
  const auto drop = [id](auto& map, const std::string& key) {
    const auto it = map.find(key);
    if (it == map.end()) return;
    it->second.erase(id);
    if (it->second.empty()) map.erase(it);
  };
  drop(by_email_, primary_email(r.fields));
  for (const auto& email : emails_of(r.fields))
    drop(holders_, ascii::to_lower(email));
}

void ContactStore::set_field(Record& r, const std::string& key, const json::value* value,
                             TimePoint now) {
  if (!value || value->is_null()) {
    r.fields.erase(key);
    return;
  }
  if (key != "email_addresses") {
    r.fields[key] = *value;
    return;
  }
  // Each address has one opt-in status, whichever contacts hold it (render
  // shows it): a new address starts UNENGAGED_MARKETABLE, a known one keeps
  // its status, and opt_in_reason opts it in only where an opt-in may
  // (EmailStatuses::opt): an opted-out address is never opted in again by a
  // contact write without it, nor a bounced or unsubscribed one with it.
  json::array out;
  for (const auto& item : value->get_array()) {
    json::object e = item.get_object();
    e.erase("email_opt_status");  // read-only: render writes the address's own
    e.erase("is_opt_in");
    const auto email = str(e, "email");
    emails_.see(email, now);
    if (const auto* reason = e.if_contains("opt_in_reason"); reason && reason->is_string())
      emails_.opt(email, true, std::string(reason->get_string()), EmailStatuses::Source::Contact,
                  now);
    out.push_back(std::move(e));
  }
  r.fields[key] = std::move(out);
}

std::uint64_t ContactStore::create(const json::object& body, TimePoint now) {
  auto id = next_id_++;
  Record r;
  r.created = r.updated = now;
  for (const auto& kv : body)
    set_field(r, std::string(kv.key()), &kv.value(), now);
  index(id, r);
  contacts_.emplace(id, std::move(r));
  return id;
}

bool ContactStore::update(std::uint64_t id, const json::object& body,
                          const std::vector<std::string>& mask, TimePoint now) {
  auto it = contacts_.find(id);
  if (it == contacts_.end()) return false;
  Record& r = it->second;
  unindex(id, r);
  if (mask.empty()) {
    for (const auto& kv : body)
      set_field(r, std::string(kv.key()), &kv.value(), now);
  } else {
    for (const auto& key : mask) {
      auto f = body.find(key);
      set_field(r, key, f == body.end() ? nullptr : &f->value(), now);
    }
  }
  r.updated = now;
  index(id, r);
  return true;
}

bool ContactStore::erase(std::uint64_t id) {
  const auto it = contacts_.find(id);
  if (it == contacts_.end()) return false;
  unindex(id, it->second);
  contacts_.erase(it);
  return true;
}

std::optional<std::uint64_t> ContactStore::find_duplicate(const json::object& body,
                                                          Duplicate rule) const {
  const auto same_email = by_email_.find(primary_email(body));
  if (same_email == by_email_.end()) return std::nullopt;
  for (const auto id : same_email->second) {
    const Record& r = contacts_.at(id);
    if (rule != Duplicate::Email) {
      if (ascii::to_lower(str(r.fields, "given_name")) !=
              ascii::to_lower(str(body, "given_name")) ||
          ascii::to_lower(str(r.fields, "family_name")) !=
              ascii::to_lower(str(body, "family_name")))
        continue;
    }
    // Keap matches the formal Company record; the sandbox compares company.id.
    if (rule == Duplicate::EmailAndNameAndCompany &&
        (company_id(body).empty() || company_id(r.fields) != company_id(body)))
      continue;
    return id;
  }
  return std::nullopt;
}

std::optional<json::object> ContactStore::render(std::uint64_t id) const {
  auto it = contacts_.find(id);
  if (it == contacts_.end()) return std::nullopt;
  const Record& r = it->second;
  json::object out = r.fields;
  out["id"] = std::to_string(id);
  out["create_time"] = db::iso_time(r.created);
  out["update_time"] = db::iso_time(r.updated);
  json::array tags;
  for (const auto& [tag, when] : r.tags)
    tags.push_back(json::value(std::to_string(tag)));
  out["tag_ids"] = std::move(tags);
  for (auto key : {"email_addresses", "phone_numbers", "addresses"})
    if (!out.contains(key)) out[key] = json::array{};
  for (auto& item : out["email_addresses"].get_array()) {
    auto& e = item.get_object();
    const auto* s = emails_.find(str(e, "email"));
    const std::string status = s ? s->status : "UNENGAGED_MARKETABLE";
    e["email_opt_status"] = status;
    e["is_opt_in"] = EmailStatuses::opted_in(status);
  }
  return out;
}

std::optional<json::object> ContactStore::email_status(std::string_view email) const {
  if (!holders_.count(ascii::to_lower(email))) return std::nullopt;
  const auto* s = emails_.find(email);
  return s ? std::optional(EmailStatuses::render(*s)) : std::nullopt;
}

std::optional<json::object> ContactStore::opt_email(std::string_view email, bool opted_in,
                                                    const std::string& reason, TimePoint now) {
  if (!holders_.count(ascii::to_lower(email))) return std::nullopt;
  return EmailStatuses::render(
      emails_.opt(email, opted_in, reason, EmailStatuses::Source::Route, now));
}

json::object ContactStore::set_email_status(std::string_view email, const std::string& status,
                                            const std::string& reason, TimePoint now) {
  return EmailStatuses::render(emails_.set(email, status, reason, now));
}

std::vector<std::uint64_t> ContactStore::ids() const {
  std::vector<std::uint64_t> out;
  out.reserve(contacts_.size());
  for (const auto& kv : contacts_)
    out.push_back(kv.first);
  return out;
}

bool ContactStore::apply_tag(std::uint64_t id, std::uint64_t tag_id, TimePoint now) {
  auto it = contacts_.find(id);
  return it != contacts_.end() && it->second.tags.emplace(tag_id, now).second;
}

bool ContactStore::remove_tag(std::uint64_t id, std::uint64_t tag_id) {
  auto it = contacts_.find(id);
  return it != contacts_.end() && it->second.tags.erase(tag_id) != 0;
}

std::map<std::uint64_t, ContactStore::TimePoint> ContactStore::tags_of(std::uint64_t id) const {
  auto it = contacts_.find(id);
  return it == contacts_.end() ? std::map<std::uint64_t, TimePoint>{} : it->second.tags;
}

void ContactStore::forget_tag(std::uint64_t tag_id) {
  for (auto& kv : contacts_)
    kv.second.tags.erase(tag_id);
}

json::value ContactStore::snapshot() const {
  json::array contacts;
  for (const auto& [id, r] : contacts_) {
    json::object tags;
    for (const auto& [tag, when] : r.tags)
      tags[std::to_string(tag)] = to_ms(when);
    contacts.push_back(json::object{{"id", id},
                                    {"fields", r.fields},
                                    {"created_ms", to_ms(r.created)},
                                    {"updated_ms", to_ms(r.updated)},
                                    {"tags", std::move(tags)}});
  }
  return json::object{{"next_id", next_id_},
                      {"contacts", std::move(contacts)},
                      {"email_statuses", emails_.snapshot()}};
}

void ContactStore::restore(const json::value& snapshot) {
  std::map<std::uint64_t, Record> contacts;
  const auto& root = snapshot.as_object();
  for (const auto& item : root.at("contacts").as_array()) {
    const auto& o = item.as_object();
    Record r;
    r.fields = o.at("fields").as_object();
    r.created = from_ms(o.at("created_ms").to_number<std::int64_t>());
    r.updated = from_ms(o.at("updated_ms").to_number<std::int64_t>());
    for (const auto& kv : o.at("tags").as_object())
      r.tags[std::stoull(std::string(kv.key()))] = from_ms(kv.value().to_number<std::int64_t>());
    contacts[o.at("id").to_number<std::uint64_t>()] = std::move(r);
  }
  // A state file from before statuses were kept by address holds each one in
  // its contacts' email_opt_status: the lowest id's wins.
  EmailStatuses emails;
  if (const auto* e = root.if_contains("email_statuses")) emails.restore(*e);
  for (const auto& [id, r] : contacts)
    if (const auto* list = r.fields.if_contains("email_addresses"); list && list->is_array())
      for (const auto& item : list->get_array())
        if (item.is_object())
          emails.see(str(item.get_object(), "email"), r.created,
                     str(item.get_object(), "email_opt_status"));
  contacts_ = std::move(contacts);
  emails_ = std::move(emails);
  by_email_.clear();
  holders_.clear();
  for (const auto& [id, r] : contacts_)
    index(id, r);
  next_id_ = std::max(root.at("next_id").to_number<std::uint64_t>(),
                      contacts_.empty() ? 1 : contacts_.rbegin()->first + 1);
}

}  // namespace keapsync::sandbox
