// The credentials of one Keap account as the API client uses them: a header
// for each request, and what to do when Keap answers 401.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "auth/account_state.hpp"
#include "config/secret.hpp"

namespace keapsync::auth {

struct AuthHeader {
  std::string name;      // "Authorization" or "X-Keap-API-Key"
  config::Secret value;  // "Bearer …" or the key
};

class Credentials {
 public:
  virtual ~Credentials() = default;

  // The header for the next request; nullopt while the account is blocked
  // (state() says why and what the operator must do).
  virtual boost::asio::awaitable<std::optional<AuthHeader>> header() = 0;

  // Keap answered 401 to a request sent with `used`. True when a retry with a
  // new header is worthwhile (a refreshed token); false blocks the account.
  virtual boost::asio::awaitable<bool> on_unauthorized(const AuthHeader& used) = 0;

  virtual AccountState state() const = 0;
};

}  // namespace keapsync::auth
