// OAuth2 requests to Keap.
#include "keap/oauth_client.hpp"

#include <boost/json.hpp>

#include "keap/response_headers.hpp"

namespace keapsync::keap {
namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string string_field(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string form_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string authorize_url(const std::string& authorize_endpoint, const std::string& client_id,
                          const std::string& redirect_uri, const std::string& state) {
  return authorize_endpoint + "?client_id=" + form_escape(client_id) +
         "&redirect_uri=" + form_escape(redirect_uri) + "&response_type=code&scope=full" +
         "&state=" + form_escape(state);
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

boost::asio::awaitable<TokenResult> OAuthClient::exchange_code(const std::string& code,
                                                               const std::string& redirect_uri) {
  co_return co_await post(
      "client_id=" + form_escape(client_id_) +
          "&client_secret=" + form_escape(client_secret_.reveal()) + "&code=" + form_escape(code) +
          "&grant_type=authorization_code&redirect_uri=" + form_escape(redirect_uri),
      false);
}

boost::asio::awaitable<TokenResult> OAuthClient::refresh(const config::Secret& refresh_token) {
  co_return co_await post(
      "grant_type=refresh_token&refresh_token=" + form_escape(refresh_token.reveal()), true);
}

boost::asio::awaitable<TokenResult> OAuthClient::post(std::string form, bool basic_auth) {
  http::Request request;
  request.method = "POST";
  request.target = token_target_;
  request.content_type = "application/x-www-form-urlencoded";
  request.headers.set("Accept", "application/json");
  if (basic_auth) {
    // The header value holds the client secret: register it so that no log shows it.
    const config::Secret header("Basic " + base64(client_id_ + ":" + client_secret_.reveal()));
    request.headers.set("Authorization", header.reveal());
  }
  request.body = std::move(form);
  http::Result result = co_await client_.request(token_url_, std::move(request));
  if (!result) co_return token_transport_failure(result.error().describe());
  const auto& response = result.response();
  if (response.status != 200) co_return classify_token_error(response.status, response.body);
  boost::system::error_code ec;
  const auto doc = boost::json::parse(response.body, ec);
  if (ec || !doc.is_object()) {
    co_return TokenError{TokenErrorKind::transient, response.status, "",
                         "the token endpoint answered 200 without a JSON object"};
  }
  const auto& o = doc.as_object();
  TokenGrant grant{config::Secret(string_field(o, "access_token")),
                   config::Secret(string_field(o, "refresh_token")), std::chrono::seconds(0),
                   string_field(o, "scope")};
  if (const auto* e = o.if_contains("expires_in"); e != nullptr && e->is_number()) {
    grant.expires_in = std::chrono::seconds(e->to_number<std::int64_t>());
  }
  if (grant.access_token.empty() || grant.refresh_token.empty() || grant.expires_in.count() <= 0) {
    co_return TokenError{TokenErrorKind::transient, response.status, "",
                         "the token endpoint's answer lacks access_token, refresh_token or "
                         "expires_in"};
  }
  co_return grant;
}

boost::asio::awaitable<std::variant<boost::json::object, ApiError>> fetch_userinfo(
    http::Client& client, const http::Url& api_url, const std::string& header_name,
    const config::Secret& header_value) {
  http::Request request;
  request.target = api_url.join("/rest/v2/oauth/connect/userinfo");
  request.headers.set("Accept", "application/json");
  request.headers.set(header_name, header_value.reveal());
  http::Result result = co_await client.request(api_url, std::move(request));
  if (!result) co_return transport_failure(result.error().describe());
  const auto& response = result.response();
  if (response.status != 200) {
    ResponseHeaders headers;
    for (const auto& [name, value] : response.headers.fields())
      headers.add(name, value);
    co_return classify_response(response.status, headers, response.body);
  }
  boost::system::error_code ec;
  auto doc = boost::json::parse(response.body, ec);
  if (ec || !doc.is_object()) co_return transport_failure("userinfo answer is not a JSON object");
  co_return std::move(doc.as_object());
}

}  // namespace keapsync::keap
