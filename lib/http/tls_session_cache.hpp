// TlsSessionCache: each origin's newest TLS session, offered to that origin's next connection.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace keapsync::http {

// Why: a resumed handshake skips the certificate chain and its verification
// and, in TLS 1.2, a round trip, so a new connection to Keap costs fewer round
// trips and less CPU on both ends. Keeps TLS 1.2 sessions (ids or tickets) and
// TLS 1.3 tickets, which arrive after the handshake, through the SSL_CTX's
// new-session callback.
//
// Security: a resumed handshake does not check the certificate again; the
// full handshake that made the session checked it against this SSL_CTX's trust
// store and the origin's name. So a session is offered only to the origin
// (host:port) it came from, through the SSL_CTX (one TlsContext, one trust
// store) it came from. A server that declines it gets a full handshake, with
// every check.
//
// Thread-safe: OpenSSL hands sessions over on whichever thread runs a
// connection. Connections must end before the cache (TlsContext owns both).
class TlsSessionCache {
 public:
  // Turns on `ctx`'s client session cache (OpenSSL keeps nothing itself).
  explicit TlsSessionCache(SSL_CTX* ctx);
  ~TlsSessionCache();
  TlsSessionCache(const TlsSessionCache&) = delete;
  TlsSessionCache& operator=(const TlsSessionCache&) = delete;

  // Before the handshake of `ssl` to `origin` ("host:port"): the sessions it
  // is given go to `origin`, and it offers `origin`'s newest one, if any.
  void offer(SSL* ssl, const std::string& origin);

  // Drops `origin`'s session (after a failed handshake: the next one starts afresh).
  void forget(const std::string& origin);

 private:
  struct SessionFree {
    void operator()(SSL_SESSION* session) const;
  };
  using Session = std::unique_ptr<SSL_SESSION, SessionFree>;

  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  void keep(const std::string& origin, SSL_SESSION* session);

  std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // by origin; one each
};

}  // namespace keapsync::http
