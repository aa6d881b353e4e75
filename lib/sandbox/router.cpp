// Keap's rules for the sandbox: /app/oauth/authorize, /token, /rest/v2/…
// (contacts, tags, userinfo, automation goals, e-mail opt-in statuses) and
// /_sandbox/… (inspection and faults).
// Bodies and statuses come from docs/keap-api.md §1.7, §3.4 and §4; where Keap is
// unconfirmed the stricter reading is taken (docs/sandbox.md lists them).
#include "sandbox/router.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ascii/ascii.hpp"
#include "db/timestamp.hpp"
#include "sandbox/contact_validator.hpp"
#include "sandbox/email_status_route.hpp"
#include "sandbox/goal_route.hpp"
#include "sandbox/v2_answers.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

Response oauth_error(int status, const std::string& error, const std::string& description) {
  auto r = Response::json(
      status, json::serialize(json::object{{"error", error}, {"error_description", description}}));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// The gateway's 401 body for a missing, expired or unknown bearer token.
Response invalid_token() {
  return Response::json(
      401,
      R"({"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}})");
}
Response invalid_key() {
  return Response::json(
      401,
      R"({"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}})");
}

// "POST /rest/v2/contacts/{id}" for stats: numeric segments become {id}, and
// an e-mail status route's address {email}.
std::string route_name(const std::string& method, const std::string& path) {
  std::string out = method + " ";
  if (path.rfind("/rest/v2/emailAddresses/", 0) == 0 && path.size() >= 31 &&
      path.compare(path.size() - 7, 7, "/status") == 0)
    return out + "/rest/v2/emailAddresses/{email}/status";
  std::size_t i = 0;
  while (i < path.size()) {
    auto slash = path.find('/', i + 1);
    auto seg = path.substr(i, slash == std::string::npos ? std::string::npos : slash - i);
    auto colon = seg.find(':');
    auto id_part = seg.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
    if (!id_part.empty() && std::all_of(id_part.begin(), id_part.end(), ::isdigit))
      out += "/{id}" + (colon == std::string::npos ? std::string{} : seg.substr(colon));
    else
      out += seg;
    if (slash == std::string::npos) break;
    i = slash;
  }
  return out;
}

std::optional<std::uint64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), ::isdigit))
    return std::nullopt;
  return std::stoull(std::string(s));
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// `email==john*` style matching: case-insensitive, trailing * is a prefix.
bool matches(std::string_view value, const std::string& pattern) {
  auto v = ascii::to_lower(value);
  if (!pattern.empty() && pattern.back() == '*')
    return starts_with(v, pattern.substr(0, pattern.size() - 1));
  return v == pattern;
}

constexpr std::string_view kMaskable[] = {
    "addresses",       "anniversary_date", "birth_date",
    "company",         "contact_type",     "custom_fields",
    "email_addresses", "family_name",      "fax_numbers",
    "given_name",      "job_title",        "leadsource_id",
    "middle_name",     "origin",           "owner_id",
    "phone_numbers",   "preferred_locale", "preferred_name",
    "prefix",          "referral_code",    "social_accounts",
    "source_type",     "spouse_name",      "suffix",
    "time_zone",       "utm_parameters",   "website",
    "assistant_name",  "assistant_phone",  "billing_information"};

// The path a request names, without the query and the /crm prefix of
// api.infusionsoft.com/crm/rest/v2/…; nullopt for a malformed target.
std::optional<std::string> served_path(const Request& req) {
  auto target = split_target(req.target);
  if (!target) return std::nullopt;
  std::string path = target->path;
  if (starts_with(path, "/crm/rest/")) path = path.substr(4);
  return path;
}

json::object contact_json(const ContactStore& store, std::uint64_t id) {
  return *store.render(id);
}

}  // namespace

Router::Router(SandboxConfig config)
    : config_(std::move(config)),
      tokens_(config_.tokens, config_.clients),
      limiter_(config_.rate_limits, config_.tenant_id),
      faults_(config_.faults),
      goals_(config_.goals),
      api_keys_(config_.api_keys.begin(), config_.api_keys.end()) {}

Response Router::handle(const Request& req, TimePoint now) {
  auto fault = admit(req);
  fault.delay_first = false;  // nobody waits before: the answer carries the delay
  return handle(req, now, fault);
}

Faults::Decision Router::admit(const Request& req) {
  std::lock_guard lock(mutex_);
  const auto path = served_path(req);
  if (!path || starts_with(*path, "/_sandbox/")) return {};
  return faults_.decide(route_name(req.method, *path), *path == "/token");
}

Response Router::handle(const Request& req, TimePoint now, const Faults::Decision& fault) {
  std::lock_guard lock(mutex_);
  auto target = split_target(req.target);
  if (!target) return v2_error(400, "Malformed request target");
  const std::string path = *served_path(req);
  if (starts_with(path, "/_sandbox/")) return admin(req, path, now);

  auto route = route_name(req.method, path);
  Response r;
  if (fault.drop) {
    r.drop = true;
    stats_.record(route, 0);  // 0: dropped unanswered
    return r;
  }
  r = fault.error_status ? v2_error(fault.error_status, "Injected fault")
                         : dispatch(req, *target, path, now);
  r.delay = fault.delay_first ? std::chrono::milliseconds{0} : fault.delay;
  stats_.record(route, r.status);
  return r;
}

Response Router::dispatch(const Request& req, const Target& target, const std::string& path,
                          TimePoint now) {
  if (path == "/app/oauth/authorize") {
    if (req.method != "GET") return v2_error(405, "Method not allowed");
    return authorize(target, now);
  }
  if (path == "/token") {
    if (req.method != "POST") return oauth_error(405, "invalid_request", "Method not allowed");
    return token(req, now);
  }
  if (starts_with(path, "/rest/v2/")) return api(req, target, path, now);
  return v2_error(404, "No such resource: " + path);
}

// ---- OAuth -----------------------------------------------------------------

Response Router::authorize(const Target& target, TimePoint now) {
  auto client_id = param(target.query, "client_id").value_or("");
  auto redirect_uri = param(target.query, "redirect_uri").value_or("");
  auto response_type = param(target.query, "response_type").value_or("");
  auto scope = param(target.query, "scope");
  auto state = param(target.query, "state");
  if (!tokens_.known_client(client_id))
    return oauth_error(400, "invalid_client", "Unknown client_id");
  if (response_type != "code")
    return oauth_error(400, "unsupported_response_type", "response_type must be code");
  if (scope && *scope != "full") return oauth_error(400, "invalid_scope", "scope must be full");
  // Keap wants HTTPS redirect URIs; loopback http is allowed for `keapsync auth`.
  bool https = starts_with(redirect_uri, "https://");
  bool loopback = starts_with(redirect_uri, "http://127.0.0.1") ||
                  starts_with(redirect_uri, "http://localhost");
  if (!https && !loopback)
    return oauth_error(400, "invalid_request", "redirect_uri must be an https URL");
  auto code = tokens_.issue_code(client_id, redirect_uri, now);
  std::string location = redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&") +
                         "code=" + percent_encode(code) +
                         "&scope=" + percent_encode("full|" + config_.tenant_id);
  if (state) location += "&state=" + percent_encode(*state);
  Response r;
  r.status = 302;
  r.headers.emplace_back("Location", location);
  return r;
}

Response Router::token(const Request& req, TimePoint now) {
  // Keap reads only a form body; JSON (or anything else) gets this answer.
  const auto missing_grant = [] {
    return oauth_error(400, "invalid_request", "response_type or grant_type is required");
  };
  if (!starts_with(ascii::to_lower(req.header("content-type")),
                   "application/x-www-form-urlencoded"))
    return missing_grant();
  auto form = parse_form(req.body);
  if (!form) return missing_grant();
  auto grant_type = param(*form, "grant_type");
  if (!grant_type || grant_type->empty()) return missing_grant();

  std::string client_id, secret;
  const auto& authorization = req.header("authorization");
  if (!authorization.empty()) {
    auto basic = parse_basic(authorization);
    if (!basic) return oauth_error(401, "invalid_client", "Invalid client credentials");
    client_id = basic->first;
    secret = basic->second;
  } else {
    client_id = param(*form, "client_id").value_or("");
    secret = param(*form, "client_secret").value_or("");
  }
  if (!tokens_.authenticate(client_id, secret))
    return oauth_error(401, "invalid_client", "Invalid client credentials");

  TokenAuthority::Result result;
  if (*grant_type == "authorization_code") {
    auto code = param(*form, "code");
    auto redirect_uri = param(*form, "redirect_uri");
    if (!code || !redirect_uri)
      return oauth_error(400, "invalid_request", "code and redirect_uri are required");
    result = tokens_.exchange_code(client_id, *code, *redirect_uri, now);
  } else if (*grant_type == "refresh_token") {
    auto refresh = param(*form, "refresh_token");
    if (!refresh) return oauth_error(400, "invalid_request", "Invalid Refresh Token");
    result = tokens_.refresh(client_id, *refresh, now);
  } else {
    return oauth_error(400, "unsupported_grant_type", "Unsupported grant_type");
  }
  if (auto* e = std::get_if<TokenAuthority::Error>(&result))
    return oauth_error(e->status, e->error, e->description);
  const auto& g = std::get<TokenAuthority::Grant>(result);
  auto r = json_ok(200, json::object{{"access_token", g.access_token},
                                     {"token_type", "bearer"},
                                     {"expires_in", g.expires_in.count()},
                                     {"refresh_token", g.refresh_token},
                                     {"scope", "full|" + config_.tenant_id}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// ---- REST v2 -----------------------------------------------------------------

Response Router::api(const Request& req, const Target& target, const std::string& path,
                     TimePoint now) {
  RateLimiter::Credential kind;
  std::string credential;
  const auto& key = req.header("x-keap-api-key");
  if (!key.empty()) {
    if (!api_keys_.count(key)) return invalid_key();
    kind = RateLimiter::Credential::ApiKey;
    credential = key;
  } else {
    const auto& authorization = req.header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!starts_with(authorization, kBearer)) return invalid_token();
    auto client = tokens_.check_access(authorization.substr(kBearer.size()), now);
    if (!client) return invalid_token();
    kind = RateLimiter::Credential::OAuth;
    credential = *client;
  }
  auto limit = limiter_.check(kind, credential, now);
  Response r =
      limit.allowed
          ? api_route(req, target, path, now)
          : Response::json(
                429,
                R"({"code":"429","message":"Quota Exceeded","status":"Request Throttled","details":null})");
  for (auto& h : limit.headers)
    r.headers.push_back(std::move(h));
  r.headers.emplace_back("x-request-id", "sbx-" + std::to_string(next_request_id_++));
  return r;
}

Response Router::api_route(const Request& req, const Target& target, const std::string& path,
                           TimePoint now) {
  const std::string& m = req.method;
  auto rest = std::string_view(path).substr(std::string_view("/rest/v2/").size());
  if (rest == "oauth/connect/userinfo")
    return m == "GET" ? userinfo() : v2_error(405, "Method not allowed");
  if (rest == "contacts") {
    if (m == "GET") return list_contacts(target);
    if (m == "POST") return create_contact(req, target, now);
    return v2_error(405, "Method not allowed");
  }
  if (starts_with(rest, "contacts/")) {
    auto tail = rest.substr(9);
    auto slash = tail.find('/');
    auto id = parse_id(tail.substr(0, slash));
    if (!id) return v2_error(400, "Invalid contact_id: " + std::string(tail.substr(0, slash)));
    if (slash != std::string_view::npos) {
      if (tail.substr(slash) != "/tags") return v2_error(404, "No such resource: " + path);
      return m == "GET" ? contact_tags(*id) : v2_error(405, "Method not allowed");
    }
    if (m == "GET") {
      if (!contacts_.exists(*id))
        return v2_error(404, "Contact " + std::to_string(*id) + " not found");
      return json_ok(200, contact_json(contacts_, *id));
    }
    if (m == "PATCH") return update_contact(req, target, *id, now);
    if (m == "DELETE") {
      if (!contacts_.erase(*id))
        return v2_error(404, "Contact " + std::to_string(*id) + " not found");
      Response r;
      r.status = 204;
      return r;
    }
    return v2_error(405, "Method not allowed");
  }
  if (starts_with(rest, "emailAddresses/")) return email_status(req, contacts_, now);
  if (rest == "automations/goals/achieve")
    return m == "POST" ? achieve_goal(req, contacts_, goals_, now)
                       : v2_error(405, "Method not allowed");
  if (rest == "tags") {
    if (m == "GET") return list_tags(target);
    if (m == "POST") return create_tag(req, now);
    return v2_error(405, "Method not allowed");
  }
  if (starts_with(rest, "tags/")) {
    auto tail = rest.substr(5);
    auto slash = tail.find('/');
    auto id = parse_id(tail.substr(0, slash));
    if (!id) return v2_error(400, "Invalid tag_id: " + std::string(tail.substr(0, slash)));
    if (slash == std::string_view::npos) {
      if (m != "GET") return v2_error(405, "Method not allowed");
      auto tag = tags_.render(*id);
      return tag ? json_ok(200, *tag) : v2_error(404, "Tag " + std::to_string(*id) + " not found");
    }
    auto action = tail.substr(slash);
    if (action == "/contacts:applyTags" || action == "/contacts:removeTags") {
      if (m != "POST") return v2_error(405, "Method not allowed");
      return tag_contacts(req, *id, action == "/contacts:applyTags", now);
    }
  }
  return v2_error(404, "No such resource: " + path);
}

Response Router::userinfo() {
  const auto& u = config_.user;
  return json_ok(200, json::object{{"email", u.email},
                                   {"sub", u.id},
                                   {"id", u.id},
                                   {"keap_id", u.email},
                                   {"given_name", u.given_name},
                                   {"family_name", u.family_name},
                                   {"is_admin", true},
                                   {"tenant_id", config_.tenant_id}});
}

Response Router::create_contact(const Request& req, const Target& target, TimePoint now) {
  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  auto option = param(target.query, "duplicate_option");
  std::optional<ContactStore::Duplicate> rule;
  if (option) {
    if (*option == "Email")
      rule = ContactStore::Duplicate::Email;
    else if (*option == "EmailAndName")
      rule = ContactStore::Duplicate::EmailAndName;
    else if (*option == "EmailAndNameAndCompany")
      rule = ContactStore::Duplicate::EmailAndNameAndCompany;
    else
      return v2_error(400, "duplicate_option \"" + *option +
                               "\" is not one of Email, EmailAndName, EmailAndNameAndCompany");
  }
  if (rule) {
    if (auto e = ContactValidator::validate(*body, ContactValidator::Mode::Update))
      return v2_error(400, *e);
    if (auto existing = contacts_.find_duplicate(*body, *rule)) {
      contacts_.update(*existing, *body, {}, now);
      return json_ok(200, contact_json(contacts_, *existing));
    }
  }
  if (auto e = ContactValidator::validate(*body, ContactValidator::Mode::Create))
    return v2_error(400, *e);
  auto id = contacts_.create(*body, now);
  return json_ok(201, contact_json(contacts_, id));
}

Response Router::update_contact(const Request& req, const Target& target, std::uint64_t id,
                                TimePoint now) {
  if (!contacts_.exists(id)) return v2_error(404, "Contact " + std::to_string(id) + " not found");
  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  auto mask = param_list(target.query, "update_mask");
  for (const auto& field : mask)
    if (std::find(std::begin(kMaskable), std::end(kMaskable), field) == std::end(kMaskable))
      return v2_error(400, "update_mask: \"" + field + "\" is not an updatable property");
  if (auto e = ContactValidator::validate(*body, ContactValidator::Mode::Update))
    return v2_error(400, *e);
  contacts_.update(id, *body, mask, now);
  return json_ok(200, contact_json(contacts_, id));
}

Response Router::list_contacts(const Target& target) {
  std::vector<std::pair<std::string, std::string>> conditions;
  if (auto filter = param(target.query, "filter")) {
    std::string_view rest = *filter;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto cond = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      if (cond.empty()) continue;
      auto eq = cond.find("==");
      if (eq == std::string_view::npos)
        return v2_error(400, "Invalid filter: " + std::string(cond));
      std::string field(cond.substr(0, eq));
      if (field != "email" && field != "given_name" && field != "family_name" && field != "ids" &&
          field != "contact_ids" && field != "phone_number" && field != "phone_fields" &&
          field != "start_update_time")
        return v2_error(400, "Invalid filter field: " + field +
                                 " (the sandbox supports email, given_name, family_name, ids, "
                                 "contact_ids, phone_number, phone_fields, start_update_time)");
      conditions.emplace_back(field, ascii::to_lower(cond.substr(eq + 2)));
    }
  }
  // phone_number searches the fields phone_fields names, and needs it (as Keap's spec says).
  std::string phone_fields;
  bool phone_number = false;
  for (const auto& [field, value] : conditions) {
    if (field == "phone_fields") phone_fields = "," + value + ",";  // lower case, as all values
    phone_number = phone_number || field == "phone_number";
  }
  if (phone_number && phone_fields.empty())
    return v2_error(400, "Invalid filter: phone_number requires phone_fields");
  std::size_t page_size = 50, offset = 0;
  if (auto ps = param(target.query, "page_size")) {
    auto n = parse_id(*ps);
    if (!n || *n > 1000) return v2_error(400, "page_size must be between 0 and 1000");
    if (*n > 0) page_size = *n;
  }
  if (auto token = param(target.query, "page_token"); token && !token->empty()) {
    auto n = parse_id(*token);
    if (!n) return v2_error(400, "Invalid page_token");
    offset = *n;
  }
  json::array all;
  for (auto id : contacts_.ids()) {
    auto c = contact_json(contacts_, id);
    bool ok = true;
    for (const auto& [field, pattern] : conditions) {
      if (field == "email") {
        bool any = false;
        for (const auto& e : c["email_addresses"].get_array())
          if (auto* s = e.get_object().if_contains("email"); s && s->is_string())
            any = any || matches(s->get_string(), pattern);
        ok = ok && any;
      } else if (field == "phone_number") {
        bool any = false;
        for (const auto& e : c["phone_numbers"].get_array()) {
          const auto& entry = e.get_object();
          const auto* number = entry.if_contains("number");
          const auto* slot = entry.if_contains("field");
          any = any || (number && number->is_string() && slot && slot->is_string() &&
                        phone_fields.find("," + ascii::to_lower(slot->get_string()) + ",") !=
                            std::string::npos &&
                        matches(number->get_string(), pattern));
        }
        ok = ok && any;
      } else if (field == "phone_fields") {
        // applied with phone_number
      } else if (field == "start_update_time") {
        // ISO UTC times ("2026-12-03T06:00:00Z") compare as text.
        const auto* updated = c.if_contains("update_time");
        ok = ok && updated && updated->is_string() &&
             ascii::to_lower(updated->get_string()) >= pattern;
      } else if (field == "ids" || field == "contact_ids") {
        auto id_s = std::to_string(id);
        bool any = false;
        std::string_view list = pattern;
        while (!list.empty()) {
          auto comma = list.find(',');
          any = any || list.substr(0, comma) == id_s;
          list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        }
        ok = ok && any;
      } else {
        auto* v = c.if_contains(field);
        ok = ok && v && v->is_string() && matches(v->get_string(), pattern);
      }
    }
    if (ok) all.push_back(std::move(c));
  }
  json::array page;
  for (std::size_t i = offset; i < all.size() && page.size() < page_size; ++i)
    page.push_back(all[i]);
  json::object out{{"contacts", std::move(page)}};
  if (offset + page_size < all.size()) out["next_page_token"] = std::to_string(offset + page_size);
  return json_ok(200, out);
}

Response Router::contact_tags(std::uint64_t id) {
  if (!contacts_.exists(id)) return v2_error(404, "Contact " + std::to_string(id) + " not found");
  json::array out;
  for (const auto& [tag_id, when] : contacts_.tags_of(id))
    if (auto tag = tags_.render(tag_id))
      out.push_back(json::object{{"tag", *tag}, {"applied_time", db::iso_time(when)}});
  return json_ok(200, json::object{{"tags", std::move(out)}});
}

Response Router::list_tags(const Target& target) {
  std::optional<std::string> name;
  if (auto filter = param(target.query, "filter"); filter && !filter->empty()) {
    if (!starts_with(*filter, "name=="))
      return v2_error(400, "Invalid filter (the sandbox supports name==…)");
    name = filter->substr(6);
  }
  json::array out;
  for (auto id : tags_.ids()) {
    auto tag = *tags_.render(id);
    if (name && tag["name"].get_string() != *name) continue;
    out.push_back(std::move(tag));
  }
  return json_ok(200, json::object{{"tags", std::move(out)}});
}

Response Router::create_tag(const Request& req, TimePoint now) {
  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  for (const auto& kv : *body)
    if (kv.key() != "name" && kv.key() != "description" && kv.key() != "category")
      return v2_error(400, std::string(kv.key()) + " is not a recognized property");
  auto* name = body->if_contains("name");
  if (!name || !name->is_string() || name->get_string().empty())
    return v2_error(400, "name is required");
  if (name->get_string().size() > 255) return v2_error(400, "name must be at most 255 characters");
  std::string description, category;
  if (auto* d = body->if_contains("description"); d && !d->is_null()) {
    if (!d->is_string()) return v2_error(400, "description must be a string");
    description = d->get_string();
  }
  if (auto* c = body->if_contains("category"); c && !c->is_null()) {
    auto* id = c->is_object() ? c->get_object().if_contains("id") : nullptr;
    if (!id || !id->is_string()) return v2_error(400, "category.id is required");
    category = id->get_string();
  }
  std::string tag_name(name->get_string());
  // The spec calls tag names unique; a second tag of the same name is refused.
  if (tags_.find_by_name(tag_name))
    return v2_error(409, "A tag named \"" + tag_name + "\" already exists");
  auto id = tags_.create(tag_name, description, category, now);
  return json_ok(201, *tags_.render(id));
}

Response Router::tag_contacts(const Request& req, std::uint64_t tag_id, bool apply, TimePoint now) {
  if (!tags_.exists(tag_id)) return v2_error(404, "Tag " + std::to_string(tag_id) + " not found");
  Response error;
  auto body = parse_object(req, error);
  if (!body) return error;
  auto* ids = body->if_contains("contact_ids");
  if (!ids || !ids->is_array() || ids->get_array().empty())
    return v2_error(400, "contact_ids is required");
  std::vector<std::pair<std::string, std::optional<std::uint64_t>>> parsed;
  for (const auto& v : ids->get_array()) {
    if (!v.is_string()) return v2_error(400, "contact_ids must be strings");
    parsed.emplace_back(std::string(v.get_string()), parse_id(v.get_string()));
  }
  if (!apply) {
    for (auto& [s, id] : parsed) {
      if (!id || !contacts_.exists(*id)) return v2_error(404, "Contact " + s + " not found");
    }
    for (auto& [s, id] : parsed)
      contacts_.remove_tag(*id, tag_id);
    Response r;
    r.status = 204;
    return r;
  }
  json::object results;
  for (auto& [s, id] : parsed) {
    if (!id || !contacts_.exists(*id))
      results[s] = "CONTACT_NOT_FOUND";
    else
      results[s] = contacts_.apply_tag(*id, tag_id, now) ? "SUCCESS" : "DUPLICATE";
  }
  return json_ok(200, json::object{{"results", std::move(results)}});
}

// ---- /_sandbox -----------------------------------------------------------------

Response Router::admin(const Request& req, const std::string& path, TimePoint now) {
  if (path == "/_sandbox/contacts" && req.method == "GET") {
    json::array out;
    for (auto id : contacts_.ids())
      out.push_back(contact_json(contacts_, id));
    return json_ok(200, json::object{{"contacts", std::move(out)}});
  }
  if (path == "/_sandbox/stats" && req.method == "GET") return json_ok(200, stats_.to_json());
  if (path == "/_sandbox/goals" && req.method == "GET") return json_ok(200, goals_.log());
  if (path == "/_sandbox/email_status") {
    if (req.method == "GET") return json_ok(200, contacts_.email_status_log());
    if (req.method == "POST") return sandbox_set_email_status(req, contacts_, now);
    return v2_error(405, "Method not allowed");
  }
  if (path == "/_sandbox/faults") {
    const auto show = [this] {
      const auto& f = faults_.settings();
      return json_ok(200, json::object{{"error_rate", f.error_rate},
                                       {"error_status", f.error_status},
                                       {"route", f.route},
                                       {"latency_ms", f.latency.count()},
                                       {"jitter_ms", f.jitter.count()},
                                       {"drop_rate", f.drop_rate},
                                       {"token_delay_ms", f.token_delay.count()},
                                       {"apply_after_latency", f.apply_after_latency},
                                       {"seed", f.seed}});
    };
    if (req.method == "GET") return show();
    if (req.method != "POST") return v2_error(405, "Method not allowed");
    Response error;
    auto body = parse_object(req, error);
    if (!body) return error;
    SandboxConfig::Faults f;  // keys not given are reset to "no fault"
    try {
      for (const auto& kv : *body) {
        const auto& v = kv.value();
        auto number = [&] { return v.to_number<double>(); };
        if (kv.key() == "error_rate")
          f.error_rate = number();
        else if (kv.key() == "error_status")
          f.error_status = static_cast<int>(number());
        else if (kv.key() == "route" && v.is_string())
          f.route = std::string(v.get_string());
        else if (kv.key() == "latency_ms")
          f.latency = std::chrono::milliseconds{static_cast<long long>(number())};
        else if (kv.key() == "jitter_ms")
          f.jitter = std::chrono::milliseconds{static_cast<long long>(number())};
        else if (kv.key() == "drop_rate")
          f.drop_rate = number();
        else if (kv.key() == "token_delay_ms")
          f.token_delay = std::chrono::milliseconds{static_cast<long long>(number())};
        else if (kv.key() == "apply_after_latency") {
          if (!v.is_bool()) return v2_error(400, "apply_after_latency must be true or false");
          f.apply_after_latency = v.get_bool();
        } else if (kv.key() == "seed")
          f.seed = static_cast<std::uint64_t>(number());
        else
          return v2_error(400, std::string(kv.key()) + " is not a fault setting");
      }
    } catch (const std::exception&) {
      return v2_error(400, "fault settings must be numbers (route: a string)");
    }
    if (f.error_rate < 0 || f.error_rate > 1 || f.drop_rate < 0 || f.drop_rate > 1)
      return v2_error(400, "error_rate and drop_rate must be between 0 and 1");
    if (f.error_status < 500 || f.error_status > 599)
      return v2_error(400, "error_status must be 5xx");
    if (f.latency.count() < 0 || f.jitter.count() < 0 || f.token_delay.count() < 0 ||
        f.latency + f.jitter + f.token_delay > std::chrono::minutes{5})
      return v2_error(400, "delays must be between 0 and 5 minutes");
    faults_.set(f);
    return show();
  }
  if (path == "/_sandbox/tokens/expire" && req.method == "POST") {
    const auto expired = tokens_.expire_access_tokens(now);
    return json_ok(200, json::object{{"expired", expired}});
  }
  if (path == "/_sandbox/reset" && req.method == "POST") {
    contacts_ = ContactStore{};
    tags_ = TagStore{};
    goals_.clear_log();
    stats_ = Stats{};
    return json_ok(200, json::object{{"reset", true}});
  }
  return v2_error(404, "No such sandbox resource: " + path);
}

// ---- state -----------------------------------------------------------------

json::value Router::snapshot() const {
  std::lock_guard lock(mutex_);
  return json::object{{"contacts", contacts_.snapshot()},
                      {"tags", tags_.snapshot()},
                      {"goals", goals_.snapshot()},
                      {"tokens", tokens_.snapshot()}};
}

void Router::restore(const json::value& snapshot) {
  std::lock_guard lock(mutex_);
  ContactStore contacts;
  TagStore tags;
  GoalStore goals(config_.goals);
  TokenAuthority tokens(config_.tokens, config_.clients);
  contacts.restore(snapshot.as_object().at("contacts"));
  tags.restore(snapshot.as_object().at("tags"));
  // Older state files (and hand-written ones) may hold no goals or tokens.
  if (const auto* g = snapshot.as_object().if_contains("goals")) goals.restore(*g);
  if (const auto* t = snapshot.as_object().if_contains("tokens")) tokens.restore(*t);
  contacts_ = std::move(contacts);
  tags_ = std::move(tags);
  goals_ = std::move(goals);
  tokens_ = std::move(tokens);
}

void Router::load_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return;
    throw std::runtime_error("sandbox state: cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    restore(json::parse(text.str()));
  } catch (const std::exception& e) {
    throw std::runtime_error("sandbox state: " + path +
                             " is not a sandbox state file: " + e.what());
  }
}

void Router::save_state(const std::string& path) const {
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    std::filesystem::permissions(
        tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    out << json::serialize(snapshot()) << '\n';  // holds tokens: owner only
    if (!out.flush()) throw std::runtime_error("sandbox state: cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace keapsync::sandbox
