// A small blocking HTTPS client for the sandbox tests: one kept-alive TLS
// connection, peer verification against a given CA, a deadline per request.
// (The product's real client lives in lib/http; this one only serves tests.)
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace keapsync::sandbox::test {

struct HttpsResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

class HttpsClient {
 public:
  HttpsClient(const std::string& ca_pem, std::string host, unsigned short port)
      : host_(std::move(host)), port_(port) {
    ctx_.set_verify_mode(boost::asio::ssl::verify_peer);
    ctx_.add_certificate_authority(boost::asio::buffer(ca_pem));
  }

  // Sends one request on the kept-alive connection (opened when needed);
  // throws on any transport error or when `timeout` passes.
  HttpsResult request(const std::string& method, const std::string& target,
                      const std::map<std::string, std::string>& headers = {},
                      const std::string& body = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    std::optional<HttpsResult> result;
    std::exception_ptr error;
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> {
          if (!stream_) co_await connect();
          http::request<http::string_body> req{http::string_to_verb(method), target, 11};
          req.set(http::field::host, host_);
          for (const auto& [k, v] : headers)
            req.set(k, v);
          req.body() = body;
          req.prepare_payload();
          co_await http::async_write(*stream_, req, asio::use_awaitable);
          http::response_parser<http::string_body> parser;
          parser.body_limit(16 * 1024 * 1024);
          co_await http::async_read(*stream_, buffer_, parser, asio::use_awaitable);
          auto& res = parser.get();
          HttpsResult out;
          out.status = static_cast<int>(res.result_int());
          for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& c : name)
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out.headers[name] = std::string(f.value());
          }
          out.body = res.body();
          if (!res.keep_alive()) stream_.reset();
          result = std::move(out);
        },
        [&](std::exception_ptr e) { error = e; });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!result && !error) {
      // The read or write in flight ends (aborted) before its stream goes.
      if (stream_) beast::get_lowest_layer(*stream_).cancel();
      ioc_.restart();
      ioc_.run_for(std::chrono::seconds{1});  // lets the cancelled coroutine finish
      stream_.reset();
      throw std::runtime_error("request timed out");
    }
    if (error) {
      stream_.reset();
      std::rethrow_exception(error);
    }
    return *result;
  }

 private:
  boost::asio::awaitable<void> connect() {
    namespace asio = boost::asio;
    using tcp = asio::ip::tcp;
    auto stream = std::make_unique<boost::beast::ssl_stream<boost::beast::tcp_stream>>(ioc_, ctx_);
    stream->set_verify_callback(asio::ssl::host_name_verification(host_));
    boost::system::error_code ec;
    asio::ip::make_address(host_, ec);
    if (ec) SSL_set_tlsext_host_name(stream->native_handle(), host_.c_str());  // SNI for names only
    tcp::resolver resolver(ioc_);
    auto endpoints =
        co_await resolver.async_resolve(host_, std::to_string(port_), asio::use_awaitable);
    co_await boost::beast::get_lowest_layer(*stream).async_connect(endpoints, asio::use_awaitable);
    co_await stream->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    buffer_.clear();
    stream_ = std::move(stream);
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_{boost::asio::ssl::context::tls_client};
  std::string host_;
  unsigned short port_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace keapsync::sandbox::test
