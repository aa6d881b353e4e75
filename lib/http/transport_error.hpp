// TransportError: why a request got no HTTP response, as a value the Keap layer classifies.
#pragma once

#include <string>
#include <string_view>

namespace keapsync::http {

struct TransportError {
  enum class Kind {
    resolve,         // DNS lookup failed
    connect,         // TCP connect refused / unreachable
    tls_handshake,   // TLS failed for a reason other than the certificate
    tls_verify,      // the peer's certificate is untrusted or for another host
    timeout,         // a deadline passed; `step` says which one
    write,           // sending the request failed
    read,            // the response was malformed or the read failed mid-way
    closed,          // the server closed the connection before any byte of a response
    body_too_large,  // the response body exceeded ClientOptions::body_limit
    proxy,           // the proxy refused the CONNECT or could not be reached
  };
  // The step of the exchange that failed.
  enum class Step { pool_wait, resolve, connect, proxy, tls_handshake, write, read };

  Kind kind;
  Step step;
  std::string message;
  // False when no byte of the request reached the socket, so resending is safe
  // even for non-idempotent requests.
  bool request_sent = false;
  // The proxy's HTTP status for kind == proxy when it answered (0 otherwise).
  int proxy_status = 0;

  // "timeout (read): ..." — for logs.
  std::string describe() const;
};

std::string_view to_string(TransportError::Kind kind);
std::string_view to_string(TransportError::Step step);

}  // namespace keapsync::http
