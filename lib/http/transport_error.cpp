// Names of TransportError kinds and steps (stable strings for logs and metrics).
#include "http/transport_error.hpp"

namespace keapsync::http {

std::string_view to_string(TransportError::Kind kind) {
  using K = TransportError::Kind;
  switch (kind) {
    case K::resolve:
      return "resolve";
    case K::connect:
      return "connect";
    case K::tls_handshake:
      return "tls_handshake";
    case K::tls_verify:
      return "tls_verify";
    case K::timeout:
      return "timeout";
    case K::write:
      return "write";
    case K::read:
      return "read";
    case K::closed:
      return "closed";
    case K::body_too_large:
      return "body_too_large";
    case K::proxy:
      return "proxy";
  }
  return "unknown";
}

std::string_view to_string(TransportError::Step step) {
  using S = TransportError::Step;
  switch (step) {
    case S::pool_wait:
      return "pool_wait";
    case S::resolve:
      return "resolve";
    case S::connect:
      return "connect";
    case S::proxy:
      return "proxy";
    case S::tls_handshake:
      return "tls_handshake";
    case S::write:
      return "write";
    case S::read:
      return "read";
  }
  return "unknown";
}

std::string TransportError::describe() const {
  std::string out(to_string(kind));
  if (kind == Kind::timeout) out += " (" + std::string(to_string(step)) + ")";
  return out + ": " + message;
}

}  // namespace keapsync::http
