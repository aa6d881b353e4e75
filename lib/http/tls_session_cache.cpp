// TlsSessionCache: a map of origin → SSL_SESSION fed by SSL_CTX_sess_set_new_cb; each connection
// learns its origin through SSL ex_data.
#include "http/tls_session_cache.hpp"

#include <openssl/ssl.h>

#include <ctime>
#include <stdexcept>

namespace keapsync::http {
namespace {

// What offer() hangs on a connection's SSL (freed with it): where its new sessions go.
struct Tag {
  TlsSessionCache* cache;
  std::string origin;
};

void free_tag(void*, void* tag, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<Tag*>(tag);
}

int dup_tag(CRYPTO_EX_DATA*, const CRYPTO_EX_DATA*, void** tag, int, long, void*) {
  if (*tag != nullptr) *tag = new Tag(*static_cast<const Tag*>(*tag));  // SSL_dup: a copy each
  return 1;
}

int tag_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, dup_tag, free_tag);
  if (index < 0) throw std::runtime_error("TLS: cannot allocate an SSL ex_data index");
  return index;
}

bool expired(const SSL_SESSION* session) {
  return std::time(nullptr) >= SSL_SESSION_get_time(session) + SSL_SESSION_get_timeout(session);
}

}  // namespace

void TlsSessionCache::SessionFree::operator()(SSL_SESSION* session) const {
  SSL_SESSION_free(session);
}

TlsSessionCache::TlsSessionCache(SSL_CTX* ctx) {
  tag_index();
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsSessionCache::on_new_session);
}

TlsSessionCache::~TlsSessionCache() = default;

void TlsSessionCache::offer(SSL* ssl, const std::string& origin) {
  const int index = tag_index();
  delete static_cast<Tag*>(SSL_get_ex_data(ssl, index));
  auto tag = std::make_unique<Tag>(Tag{this, origin});
  if (SSL_set_ex_data(ssl, index, tag.get()) != 1) {
    SSL_set_ex_data(ssl, index, nullptr);
    throw std::runtime_error("TLS: cannot tag a connection with its origin");
  }
  tag.release();  // the SSL owns it now

  Session session;
  {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(origin);
    if (it == sessions_.end()) return;
    if (expired(it->second.get())) {
      sessions_.erase(it);
      return;
    }
    if (SSL_SESSION_get_protocol_version(it->second.get()) >= TLS1_3_VERSION) {
      // A TLS 1.3 ticket is used once (RFC 8446 C.4); the server sends the
      // resumed connection a new one.
      session = std::move(it->second);
      sessions_.erase(it);
    } else {
      // A TLS 1.2 session serves every new connection, each with a copy (see keep()).
      session.reset(SSL_SESSION_dup(it->second.get()));
    }
  }
  // Takes a reference of its own. Should it fail, or the server decline the
  // session, the handshake is simply a full one.
  if (session) SSL_set_session(ssl, session.get());
}

void TlsSessionCache::forget(const std::string& origin) {
  std::lock_guard lock(mutex_);
  sessions_.erase(origin);
}

int TlsSessionCache::on_new_session(SSL* ssl, SSL_SESSION* session) {
  const auto* tag = static_cast<const Tag*>(SSL_get_ex_data(ssl, tag_index()));
  if (tag != nullptr) {
    try {
      tag->cache->keep(tag->origin, session);
    } catch (...) {  // out of memory: no resumption, nothing worse; never throw into OpenSSL
    }
  }
  return 0;  // OpenSSL keeps its reference: the cache keeps a copy
}

void TlsSessionCache::keep(const std::string& origin, SSL_SESSION* session) {
  if (SSL_SESSION_is_resumable(session) != 1) return;
  // A copy: OpenSSL marks the connection's own session not resumable when the
  // connection is freed without a close_notify, as the Client's are (a TLS 1.0
  // rule that TLS 1.1 dropped, RFC 4346 §7.2.1).
  Session copy(SSL_SESSION_dup(session));
  if (!copy) return;
  std::lock_guard lock(mutex_);
  sessions_[origin].swap(copy);  // the newest wins; the older one is freed after the unlock
}

}  // namespace keapsync::http
