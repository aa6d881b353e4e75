// A small certificate authority that makes a CA and server certificates in
// memory: for `keapsync sandbox --self-signed` and for the tests' TLS chains.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace keapsync::tls {

// A certificate and its private key, both PEM.
struct KeyPair {
  std::string certificate_pem;
  std::string private_key_pem;
};

class CertificateAuthority {
 public:
  // A new self-signed CA (EC P-256, valid for `days`).
  explicit CertificateAuthority(const std::string& common_name, int days = 30);
  ~CertificateAuthority();
  CertificateAuthority(CertificateAuthority&&) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept;

  const std::string& certificate_pem() const;

  // A server certificate signed by this CA; `names` are DNS names or IP
  // addresses (both become subjectAltName entries, the first is the CN).
  KeyPair issue_server(const std::vector<std::string>& names, int days = 30) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace keapsync::tls
