// Keap's OAuth2 endpoints (NOTES.md §1): the authorize URL, the code exchange
// and the refresh at the token URL (form-encoded), and userinfo.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "config/secret.hpp"
#include "http/client.hpp"
#include "http/url.hpp"
#include "keap/api_error.hpp"
#include "keap/token_grant.hpp"

namespace keapsync::keap {

class OAuthClient {
 public:
  OAuthClient(http::Client& client, const std::string& token_url, std::string client_id,
              config::Secret client_secret);

  // grant_type=authorization_code with every field in the form body (as
  // Keap's own SDK sends it).
  boost::asio::awaitable<TokenResult> exchange_code(const std::string& code,
                                                    const std::string& redirect_uri);
  // grant_type=refresh_token with the client in a Basic header.
  boost::asio::awaitable<TokenResult> refresh(const config::Secret& refresh_token);

  // The app's secret, after the operator replaced a rejected one.
  void set_client_secret(config::Secret secret) { client_secret_ = std::move(secret); }
  const config::Secret& client_secret() const { return client_secret_; }

 private:
  boost::asio::awaitable<TokenResult> post(std::string form, bool basic_auth);

  http::Client& client_;
  http::Url token_url_;
  std::string token_target_;
  std::string client_id_;
  config::Secret client_secret_;
};

// The URL the shop owner opens to authorize keapsync (scope full, the given state).
std::string authorize_url(const std::string& authorize_endpoint, const std::string& client_id,
                          const std::string& redirect_uri, const std::string& state);

// application/x-www-form-urlencoded escaping of one value.
std::string form_escape(std::string_view value);

// GET {api_url}/rest/v2/oauth/connect/userinfo with `authorization` (a whole
// header value); the user object, or the classified error.
boost::asio::awaitable<std::variant<boost::json::object, ApiError>> fetch_userinfo(
    http::Client& client, const http::Url& api_url, const std::string& header_name,
    const config::Secret& header_value);

}  // namespace keapsync::keap
