// TlsContext: an Asio SSL client context; host-name checks are set per connection by the Client.
#include "http/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdlib>
#include <stdexcept>

#include "http/tls_session_cache.hpp"

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
  // Every connection inherits these flags for its SSL_set1_host check.
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx.native_handle()),
                                  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // New connections resume their origin's session: fewer round trips and less CPU.
  sessions_ = std::make_unique<TlsSessionCache>(ctx.native_handle());
}

TrustStore TlsContext::trust_store(const std::string& ca_file) {
  if (!ca_file.empty()) return {"keap.ca_file", ca_file, ""};
  // What SSL_CTX_set_default_verify_paths loads: the environment, else the built-in paths.
  const auto resolved = [](const char* variable, const char* built_in) {
    const char* value = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe): read at start
    return std::string(value != nullptr ? value : built_in);
  };
  return {"system", resolved(X509_get_default_cert_file_env(), X509_get_default_cert_file()),
          resolved(X509_get_default_cert_dir_env(), X509_get_default_cert_dir())};
}

TlsContext::~TlsContext() = default;

boost::asio::ssl::context& TlsContext::native() {
  return *context_;
}

TlsSessionCache& TlsContext::sessions() {
  return *sessions_;
}

}  // namespace keapsync::http
