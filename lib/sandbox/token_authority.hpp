// The sandbox's OAuth2 state machine, socket-free: authorization codes,
// access tokens that expire, single-use rotating refresh tokens. Time comes
// from the caller (`now`), so tests drive expiry without waiting.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "sandbox/sandbox_config.hpp"

namespace keapsync::sandbox {

class TokenAuthority {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  struct Grant {
    std::string access_token;
    std::string refresh_token;
    std::chrono::seconds expires_in{0};
  };
  // A refusal as Keap's token endpoint words it (docs/keap-api.md §1.7).
  struct Error {
    int status = 400;
    std::string error;
    std::string description;
  };
  using Result = std::variant<Grant, Error>;

  TokenAuthority(SandboxConfig::Tokens settings, std::vector<SandboxConfig::Client> clients);

  void set_settings(const SandboxConfig::Tokens& settings) { settings_ = settings; }
  const SandboxConfig::Tokens& settings() const { return settings_; }

  bool known_client(const std::string& client_id) const;
  bool authenticate(const std::string& client_id, const std::string& secret) const;

  // A new single-use authorization code for this client and redirect URI.
  std::string issue_code(const std::string& client_id, const std::string& redirect_uri,
                         TimePoint now);
  Result exchange_code(const std::string& client_id, const std::string& code,
                       const std::string& redirect_uri, TimePoint now);
  Result refresh(const std::string& client_id, const std::string& refresh_token, TimePoint now);

  // The client id the access token belongs to, when it is valid at `now`.
  std::optional<std::string> check_access(const std::string& access_token, TimePoint now) const;

  // Ends every live access token at `now`, as Keap does when it revokes access
  // early; refresh tokens stay usable. Returns how many were live.
  std::size_t expire_access_tokens(TimePoint now);

  // Live codes, tokens and chains as JSON (for --state), so that a restarted
  // sandbox still honours the tokens it issued; restore throws on bad input.
  boost::json::value snapshot() const;
  void restore(const boost::json::value& snapshot);

 private:
  struct Code {
    std::string client_id, redirect_uri;
    TimePoint expires;
  };
  struct Token {
    std::string client_id;
    std::uint64_t chain = 0;
    TimePoint expires;
    bool used = false;  // refresh tokens only
  };
  struct Chain {
    std::string client_id;
    std::string access_token;   // the newest
    std::string refresh_token;  // the only one still usable
    bool revoked = false;
  };

  Grant issue_pair(std::uint64_t chain, TimePoint now);
  void revoke_chain(std::uint64_t chain);
  void purge(TimePoint now);

  SandboxConfig::Tokens settings_;
  std::map<std::string, std::string> clients_;  // id → secret
  std::map<std::string, Code> codes_;
  std::map<std::string, Token> access_;
  std::map<std::string, Token> refresh_;
  std::map<std::uint64_t, Chain> chains_;
  std::uint64_t next_chain_ = 1;
  std::uint64_t grants_since_purge_ = 0;
};

}  // namespace keapsync::sandbox
