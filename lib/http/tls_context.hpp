// TlsContext: the client TLS settings (TLS >= 1.2, peer verification always on, trust store).
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace keapsync::http {

class TlsContext {
 public:
  // Trusts the PEM bundle `ca_file`, or the system store when it is empty.
  // There is deliberately no way to disable verification. A missing or bad
  // CA file throws std::runtime_error (a configuration error).
  explicit TlsContext(const std::string& ca_file = {});
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native();

 private:
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace keapsync::http
