// GET /rest/v2/oauth/connect/userinfo: who a credential belongs to (`keapsync auth` prints it).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <variant>

#include "config/secret.hpp"
#include "http/client.hpp"
#include "http/url.hpp"
#include "keap/api_error.hpp"

namespace keapsync::keap {

// `authorization` is a whole header value; the user object, or the classified error.
boost::asio::awaitable<std::variant<boost::json::object, ApiError>> fetch_userinfo(
    http::Client& client, const http::Url& api_url, const std::string& header_name,
    const config::Secret& header_value);

}  // namespace keapsync::keap
