// Blocking wrapper around http::Client.
#include "support/https_get.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
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

std::string plain_get(const std::string& url) {
  const auto path = url.find('/', url.find("://") + 3);
  const auto u = http::Url::parse(url.substr(0, path), true);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address(u.host), u.port});
  const std::string request = "GET " + url.substr(path) + " HTTP/1.1\r\nHost: " + u.authority() +
                              "\r\nConnection: close\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(response), ec);
  return response;
}

}  // namespace keapsync::testing
