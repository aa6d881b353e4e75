// The userinfo call and its error classification.
#include "keap/userinfo.hpp"

#include <boost/json.hpp>

#include "keap/response_headers.hpp"

namespace keapsync::keap {

boost::asio::awaitable<std::variant<boost::json::object, ApiError>> fetch_userinfo(
    http::Client& client, const http::Url& api_url, const std::string& header_name,
    const config::Secret& header_value,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  http::Request request;
  request.target = api_url.join("/rest/v2/oauth/connect/userinfo");
  request.deadline = deadline;
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
