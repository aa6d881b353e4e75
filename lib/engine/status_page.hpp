// The status page: GET / of the status server, a page that fetches /status.json every 2 s and
// draws the accounts, the backlog, the last hour of delivery and Keap budget (inline SVG) and the
// dead letters by reason. Every asset is a string compiled in here: no CDN, nothing fetched from
// elsewhere (the Content-Security-Policy forbids it).
#pragma once

#include <string_view>

namespace keapsync::engine::status_page {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// The asset served at `path` ("/", "/status.js", "/status.css"), or nullptr.
const Asset* find(std::string_view path);

// Sent with every asset: only this origin's scripts, styles and /status.json.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace keapsync::engine::status_page
