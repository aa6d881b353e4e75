// OAuth2 requests to Keap.
#include "auth/oauth_client.hpp"

#include "http/percent_encode.hpp"

#include <openssl/evp.h>

#include <cctype>

#include "auth/token_answer.hpp"

namespace keapsync::auth {
namespace {

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::string authorize_url(const std::string& authorize_endpoint, const std::string& client_id,
                          const std::string& redirect_uri, const std::string& state) {
  return authorize_endpoint + "?client_id=" + http::percent_encode(client_id) +
         "&redirect_uri=" + http::percent_encode(redirect_uri) + "&response_type=code&scope=full" +
         "&state=" + http::percent_encode(state);
}

OAuthClient::OAuthClient(http::Client& client, const std::string& token_url, std::string client_id,
                         config::Secret client_secret)
    : client_(client),
      token_url_(http::Url::parse(token_url)),
      token_target_(token_url_.base_path),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)) {
  if (token_target_.empty()) token_target_ = "/";
}

boost::asio::awaitable<TokenResult> OAuthClient::exchange_code(
    const std::string& code, const std::string& redirect_uri,
    std::chrono::steady_clock::time_point deadline) {
  co_return co_await post(
      "client_id=" + http::percent_encode(client_id_) + "&client_secret=" +
          http::percent_encode(client_secret_.reveal()) + "&code=" + http::percent_encode(code) +
          "&grant_type=authorization_code&redirect_uri=" + http::percent_encode(redirect_uri),
      false, deadline);
}

boost::asio::awaitable<TokenResult> OAuthClient::refresh(
    const config::Secret& refresh_token, std::chrono::steady_clock::time_point deadline) {
  co_return co_await post(
      "grant_type=refresh_token&refresh_token=" + http::percent_encode(refresh_token.reveal()),
      true, deadline);
}

boost::asio::awaitable<TokenResult> OAuthClient::post(
    std::string form, bool basic_auth, std::chrono::steady_clock::time_point deadline) {
  http::Request request;
  request.method = "POST";
  request.target = token_target_;
  request.content_type = "application/x-www-form-urlencoded";
  request.headers.set("Accept", "application/json");
  request.deadline = deadline;
  if (basic_auth) {
    // The header value holds the client secret: register it so that no log shows it.
    const config::Secret header("Basic " + base64(client_id_ + ":" + client_secret_.reveal()));
    request.headers.set("Authorization", header.reveal());
  }
  request.body = std::move(form);
  http::Result result = co_await client_.request(token_url_, std::move(request));
  if (!result) {
    co_return token_transport_failure(result.error().describe(), result.error().request_sent);
  }
  const auto& response = result.response();
  // Any 2xx may carry a rotation; anything else is an error to classify.
  if (response.status < 200 || response.status > 299) {
    co_return classify_token_error(response.status, response.body);
  }
  co_return parse_token_answer(response.body);
}

}  // namespace keapsync::auth
