// GET /rest/v2/oauth/connect/userinfo: who a credential belongs to (`keapsync auth` prints it).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "config/secret.hpp"
#include "http/client.hpp"
#include "http/url.hpp"
#include "keap/api_error.hpp"

namespace keapsync::keap {

// `authorization` is a whole header value; the user object, or the classified error.
// `deadline` bounds the whole call (unset: the client's step timeouts alone).
boost::asio::awaitable<std::variant<boost::json::object, ApiError>> fetch_userinfo(
    http::Client& client, const http::Url& api_url, const std::string& header_name,
    const config::Secret& header_value,
    std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

}  // namespace keapsync::keap
