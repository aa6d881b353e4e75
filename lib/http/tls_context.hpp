// TlsContext: the client TLS settings (TLS >= 1.2, peer verification always on, trust store) and
// the TLS sessions its connections may resume.
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace keapsync::http {

// Where the certificates a TlsContext trusts come from (for the start-up log).
struct TrustStore {
  std::string source;  // "keap.ca_file", or "system" (OpenSSL's default paths)
  std::string file;    // the CA bundle ("" when none)
  std::string dir;     // the hashed CA directory of the system store ("" for keap.ca_file)
};

class TlsSessionCache;

class TlsContext {
 public:
  // Trusts the PEM bundle `ca_file`, or the system store when it is empty.
  // There is deliberately no way to disable verification, and a wildcard
  // matches a whole left-most label only ("*.example.com", never
  // "ap*.example.com"). A missing or bad CA file throws std::runtime_error
  // (a configuration error).
  explicit TlsContext(const std::string& ca_file = {});
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native();

  // The sessions of this context's connections, by origin: never shared with
  // another TlsContext (another trust store).
  TlsSessionCache& sessions();

  // The store a TlsContext(ca_file) trusts: `ca_file`, or the system default
  // as OpenSSL resolves it (SSL_CERT_FILE / SSL_CERT_DIR override its
  // built-in paths).
  static TrustStore trust_store(const std::string& ca_file);

 private:
  std::unique_ptr<TlsSessionCache> sessions_;  // outlives the context's connections
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace keapsync::http
