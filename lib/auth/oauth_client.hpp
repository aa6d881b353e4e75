// Keap's OAuth2 token endpoint (docs/keap-api.md §1): the authorize URL, the
// code exchange and the refresh, form-encoded.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "auth/token_grant.hpp"
#include "config/secret.hpp"
#include "http/client.hpp"
#include "http/url.hpp"

namespace keapsync::auth {

class OAuthClient {
 public:
  // `client`: a client of its own for the token endpoint, so a refresh never
  // waits behind API calls for a connection.
  OAuthClient(http::Client& client, const std::string& token_url, std::string client_id,
              config::Secret client_secret);

  // grant_type=authorization_code with every field in the form body (as
  // Keap's own SDK sends it), answered or failed by `deadline`.
  boost::asio::awaitable<TokenResult> exchange_code(const std::string& code,
                                                    const std::string& redirect_uri,
                                                    std::chrono::steady_clock::time_point deadline);
  // grant_type=refresh_token with the client in a Basic header, answered or
  // failed by `deadline` (every step of the request counts against it).
  boost::asio::awaitable<TokenResult> refresh(const config::Secret& refresh_token,
                                              std::chrono::steady_clock::time_point deadline);

  // The app's secret, after the operator replaced a rejected one.
  void set_client_secret(config::Secret secret) { client_secret_ = std::move(secret); }
  const config::Secret& client_secret() const { return client_secret_; }

 private:
  boost::asio::awaitable<TokenResult> post(std::string form, bool basic_auth,
                                           std::chrono::steady_clock::time_point deadline);

  http::Client& client_;
  http::Url token_url_;
  std::string token_target_;
  std::string client_id_;
  config::Secret client_secret_;
};

// The URL the shop owner opens to authorize keapsync (scope full, the given state).
std::string authorize_url(const std::string& authorize_endpoint, const std::string& client_id,
                          const std::string& redirect_uri, const std::string& state);

}  // namespace keapsync::auth
