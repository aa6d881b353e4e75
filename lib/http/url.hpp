// Url: an https origin plus a base path (or an http:// proxy address), parsed once at start.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keapsync::http {

struct Url {
  std::string scheme;      // "https", or "http" (only meaningful for a proxy)
  std::string host;        // lower case; an IPv6 literal without brackets
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string base_path;   // "" or "/crm" (never a trailing slash)

  // Parses `https://host[:port][/base/path]` (and `http://` when `allow_http`).
  // A malformed URL is a configuration error: throws std::invalid_argument
  // with a message that says what is wrong.
  static Url parse(std::string_view text, bool allow_http = false);

  // base_path + path ("/rest/v2/contacts" → "/crm/rest/v2/contacts").
  std::string join(std::string_view path) const;

  // The Host header value / CONNECT authority: "host" or "host:port" when the
  // port is not the scheme default (IPv6 literals in brackets).
  std::string authority() const;
  std::string authority_with_port() const;

  // "https://host[:port]" (for messages and logs).
  std::string origin() const;

  bool operator==(const Url&) const = default;
};

// `url` fit to print: a userinfo ("user:password@") becomes "user:***@", a
// lone one ("token@") "***@". Every URL that reaches a log, a message or the
// terminal goes through it, parsed or not (also a scheme-less "user:pw@host").
// The userinfo is taken to end at the last '@', so a password with an
// unescaped '/' or '?' is still hidden.
std::string redact_userinfo(std::string_view url);

}  // namespace keapsync::http
