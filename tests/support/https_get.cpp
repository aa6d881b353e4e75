// Blocking wrapper around http::Client.
#include "support/https_get.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <stdexcept>

#include "http/client.hpp"
#include "http/url.hpp"

namespace keapsync::testing {

http::Response https_request(const std::string& method, const std::string& url,
                             const std::string& ca_file, const std::string& json_body) {
  const auto slash = url.find('/', url.find("://") + 3);
  const http::Url origin = http::Url::parse(url.substr(0, slash));
  boost::asio::io_context io;
  http::ClientOptions options;
  options.ca_file = ca_file;
  http::Client client(io.get_executor(), options);
  http::Request request;
  request.method = method;
  request.target = slash == std::string::npos ? "/" : url.substr(slash);
  if (!json_body.empty()) {
    request.body = json_body;
    request.content_type = "application/json";
  }
  std::optional<http::Result> result;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> { result = co_await client.request(origin, request); },
      boost::asio::detached);
  io.run_for(std::chrono::seconds(10));
  if (!result) throw std::runtime_error("no answer from " + url + " within 10 s");
  if (!*result) throw std::runtime_error(url + ": " + result->error().describe());
  return result->response();
}

}  // namespace keapsync::testing
