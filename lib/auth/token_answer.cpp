// Tolerant parsing of a token grant.
#include "auth/token_answer.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <optional>

namespace keapsync::auth {
namespace {

namespace json = boost::json;

std::string string_field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Whole seconds from a JSON number or a string such as "86400" or "86400.0".
std::optional<double> seconds_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_string();
  double out = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return out;
}

void add_note(std::string& note, const std::string& what) {
  note += (note.empty() ? "" : "; ") + what;
}

TokenError unusable(std::string message) {
  TokenError e;
  e.kind = TokenErrorKind::transient;
  e.status = 200;
  e.message = std::move(message);
  e.may_have_rotated = true;
  return e;
}

}  // namespace

TokenResult parse_token_answer(std::string_view body) {
  // A byte order mark or blanks before the object are not worth a lost pair.
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '\r' ||
                           body.front() == '\t'))
    body.remove_prefix(1);
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  const auto doc = json::parse(body, ec, {}, options);
  if (ec || !doc.is_object()) {
    return unusable("the token endpoint answered 200 without a JSON object");
  }
  const auto& o = doc.as_object();
  TokenGrant grant{config::Secret(string_field(o, "access_token")),
                   config::Secret(string_field(o, "refresh_token")),
                   kAssumedLifetime,
                   string_field(o, "scope"),
                   {}};
  if (grant.access_token.empty() && grant.refresh_token.empty()) {
    return unusable("the token endpoint answered 200 without an access_token");
  }
  if (grant.access_token.empty()) {
    // The new refresh token is all there is: keep it and refresh again soon.
    add_note(grant.note,
             "no access_token in the answer: refreshing again with the new refresh "
             "token");
    grant.expires_in = kMinLifetime;
    return grant;
  }
  if (grant.refresh_token.empty()) {
    add_note(grant.note, "no refresh_token in the answer: the one that was sent is kept");
  }
  const auto* e = o.if_contains("expires_in");
  const auto seconds = e != nullptr ? seconds_of(*e) : std::nullopt;
  if (!seconds || !std::isfinite(*seconds)) {
    add_note(grant.note,
             "no readable expires_in: assumed " + std::to_string(kAssumedLifetime.count()) + " s");
  } else if (*seconds < static_cast<double>(kMinLifetime.count())) {
    grant.expires_in = kMinLifetime;
    add_note(grant.note,
             "expires_in below " + std::to_string(kMinLifetime.count()) + " s: taken as that");
  } else if (*seconds > static_cast<double>(kMaxLifetime.count())) {
    grant.expires_in = kMaxLifetime;
    add_note(grant.note,
             "expires_in above " + std::to_string(kMaxLifetime.count()) + " s: taken as that");
  } else {
    grant.expires_in = std::chrono::seconds(static_cast<std::int64_t>(*seconds));
  }
  return grant;
}

}  // namespace keapsync::auth
