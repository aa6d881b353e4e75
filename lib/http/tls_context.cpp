// TlsContext: an Asio SSL client context; host-name checks are set per connection by the Client.
#include "http/tls_context.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

namespace keapsync::http {

TlsContext::TlsContext(const std::string& ca_file)
    : context_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client)) {
  namespace ssl = boost::asio::ssl;
  auto& ctx = *context_;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression);
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1) {
    throw std::runtime_error("TLS: cannot require TLS 1.2");
  }
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("TLS: cannot load the system trust store: " + ec.message());
  } else {
    ctx.load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("TLS: cannot load CA file '" + ca_file + "': " + ec.message());
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
}

TlsContext::~TlsContext() = default;

boost::asio::ssl::context& TlsContext::native() {
  return *context_;
}

}  // namespace keapsync::http
