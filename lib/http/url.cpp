// Url parsing (strict: a config error is reported with the reason).
#include "http/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "ascii/ascii.hpp"

namespace keapsync::http {
namespace {

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw std::invalid_argument("invalid URL '" + redact_userinfo(text) + "': " + why);
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

Url Url::parse(std::string_view text, bool allow_http) {
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) fail(text, "no scheme (expected https://)");
  url.scheme = ascii::to_lower(text.substr(0, sep));
  if (url.scheme == "https") {
    url.port = 443;
  } else if (url.scheme == "http" && allow_http) {
    url.port = 80;
  } else {
    fail(text, allow_http ? "scheme must be http or https" : "scheme must be https");
  }
  std::string_view rest = text.substr(sep + 3);
  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) fail(text, "credentials are not supported");
  if (path.find_first_of("?#") != std::string_view::npos) {
    fail(text, "a query or fragment is not allowed");
  }

  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(text, "garbage after IPv6 literal");
      port = after.substr(1);
      if (port.empty()) fail(text, "empty port");
    }
    if (host.empty() ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      fail(text, "bad IPv6 literal");
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) fail(text, "empty port");
    }
    if (host.empty()) fail(text, "no host");
    if (!std::all_of(host.begin(), host.end(), valid_host_char)) fail(text, "bad host name");
  }
  url.host = ascii::to_lower(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      fail(text, "bad port '" + std::string(port) + "'");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  url.base_path = std::string(path);
  return url;
}

std::string Url::join(std::string_view path) const {
  std::string out = base_path;
  if (path.empty() || path.front() != '/') out += '/';
  out += path;
  return out;
}

std::string Url::authority_with_port() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::authority() const {
  const bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  if (!default_port) return authority_with_port();
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string Url::origin() const {
  return scheme + "://" + authority();
}

std::string redact_userinfo(std::string_view url) {
  const auto scheme = url.find("://");
  const std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  const auto colon = url.substr(start, at - start).find(':');
  std::string out(url.substr(0, start));
  if (colon != std::string_view::npos) out += url.substr(start, colon + 1);
  out += "***";
  out += url.substr(at);
  return out;
}

}  // namespace keapsync::http
