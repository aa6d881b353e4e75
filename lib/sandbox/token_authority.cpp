// OAuth2 codes and tokens for the sandbox, with Keap's rotation rules and the
// stricter reading wherever Keap's behaviour is unconfirmed (docs/keap-api.md §8).
#include "sandbox/token_authority.hpp"

#include <openssl/rand.h>

#include <boost/json.hpp>

#include <stdexcept>

namespace keapsync::sandbox {
namespace {

std::string random_token(std::string_view prefix) {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

TokenAuthority::Error invalid_refresh() {
  // The 2021+ (Apigee) body; docs/keap-api.md §1.7.
  return {400, "invalid_request", "Invalid Refresh Token"};
}

std::int64_t to_ms(TokenAuthority::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TokenAuthority::TimePoint from_ms(const boost::json::value& v) {
  return TokenAuthority::TimePoint{std::chrono::milliseconds{v.to_number<std::int64_t>()}};
}

}  // namespace

TokenAuthority::TokenAuthority(SandboxConfig::Tokens settings,
                               std::vector<SandboxConfig::Client> clients)
    : settings_(settings) {
  for (auto& c : clients)
    clients_[c.id] = c.secret;
}

bool TokenAuthority::known_client(const std::string& client_id) const {
  return clients_.count(client_id) != 0;
}

bool TokenAuthority::authenticate(const std::string& client_id, const std::string& secret) const {
  auto it = clients_.find(client_id);
  return it != clients_.end() && it->second == secret;
}

std::string TokenAuthority::issue_code(const std::string& client_id,
                                       const std::string& redirect_uri, TimePoint now) {
  if (codes_.size() >= 4096) purge(now);  // unexchanged codes must not pile up
  auto code = random_token("sbx-code-");
  codes_[code] = Code{client_id, redirect_uri, now + settings_.code_expires_in};
  return code;
}

TokenAuthority::Result TokenAuthority::exchange_code(const std::string& client_id,
                                                     const std::string& code,
                                                     const std::string& redirect_uri,
                                                     TimePoint now) {
  auto it = codes_.find(code);
  // Codes are single-use: erase before any other check.
  if (it == codes_.end()) return Error{400, "invalid_grant", "Invalid authorization code"};
  Code c = it->second;
  codes_.erase(it);
  if (c.client_id != client_id || now >= c.expires)
    return Error{400, "invalid_grant", "Invalid authorization code"};
  if (c.redirect_uri != redirect_uri) return Error{400, "invalid_grant", "Redirect URI mismatch"};
  if (settings_.new_authorization_revokes_old) {
    for (auto& [id, chain] : chains_)
      if (chain.client_id == client_id && !chain.revoked) revoke_chain(id);
  }
  auto chain = next_chain_++;
  chains_[chain] = Chain{client_id, {}, {}, false};
  return issue_pair(chain, now);
}

TokenAuthority::Result TokenAuthority::refresh(const std::string& client_id,
                                               const std::string& refresh_token, TimePoint now) {
  auto it = refresh_.find(refresh_token);
  if (it == refresh_.end() || it->second.client_id != client_id) return invalid_refresh();
  Token& t = it->second;
  auto chain_it = chains_.find(t.chain);
  if (chain_it == chains_.end() || chain_it->second.revoked || now >= t.expires)
    return invalid_refresh();
  if (t.used) {
    // A second use of a spent token: someone else holds the live pair.
    if (settings_.reuse_revokes_chain) revoke_chain(t.chain);
    return invalid_refresh();
  }
  t.used = true;
  auto chain = t.chain;
  if (settings_.revoke_access_on_refresh) access_.erase(chain_it->second.access_token);
  return issue_pair(chain, now);
}

std::optional<std::string> TokenAuthority::check_access(const std::string& access_token,
                                                        TimePoint now) const {
  auto it = access_.find(access_token);
  if (it == access_.end() || now >= it->second.expires) return std::nullopt;
  auto chain = chains_.find(it->second.chain);
  if (chain == chains_.end() || chain->second.revoked) return std::nullopt;
  return it->second.client_id;
}

std::size_t TokenAuthority::expire_access_tokens(TimePoint now) {
  std::size_t live = 0;
  for (auto& [token, t] : access_) {
    if (now < t.expires) {
      t.expires = now;
      ++live;
    }
  }
  return live;
}

TokenAuthority::Grant TokenAuthority::issue_pair(std::uint64_t chain, TimePoint now) {
  if (++grants_since_purge_ >= 1024) purge(now);
  Chain& c = chains_.at(chain);
  Grant g{random_token("sbx-at-"), random_token("sbx-rt-"), settings_.access_expires_in};
  access_[g.access_token] = Token{c.client_id, chain, now + settings_.access_expires_in, false};
  refresh_[g.refresh_token] = Token{c.client_id, chain, now + settings_.refresh_expires_in, false};
  c.access_token = g.access_token;
  c.refresh_token = g.refresh_token;
  return g;
}

void TokenAuthority::revoke_chain(std::uint64_t chain) {
  auto& c = chains_.at(chain);
  c.revoked = true;
  access_.erase(c.access_token);
}

void TokenAuthority::purge(TimePoint now) {
  // Bounded memory: expired entries are indistinguishable from unknown ones.
  grants_since_purge_ = 0;
  std::erase_if(access_, [&](const auto& kv) { return now >= kv.second.expires; });
  std::erase_if(refresh_, [&](const auto& kv) { return now >= kv.second.expires; });
  std::erase_if(codes_, [&](const auto& kv) { return now >= kv.second.expires; });
}

boost::json::value TokenAuthority::snapshot() const {
  namespace json = boost::json;
  const auto tokens = [](const std::map<std::string, Token>& m) {
    json::array out;
    for (const auto& [value, t] : m)
      out.push_back(json::object{{"token", value},
                                 {"client_id", t.client_id},
                                 {"chain", t.chain},
                                 {"expires_ms", to_ms(t.expires)},
                                 {"used", t.used}});
    return out;
  };
  json::array codes;
  for (const auto& [value, c] : codes_)
    codes.push_back(json::object{{"code", value},
                                 {"client_id", c.client_id},
                                 {"redirect_uri", c.redirect_uri},
                                 {"expires_ms", to_ms(c.expires)}});
  json::array chains;
  for (const auto& [id, c] : chains_)
    chains.push_back(json::object{{"id", id},
                                  {"client_id", c.client_id},
                                  {"access_token", c.access_token},
                                  {"refresh_token", c.refresh_token},
                                  {"revoked", c.revoked}});
  return json::object{{"next_chain", next_chain_},
                      {"codes", std::move(codes)},
                      {"access", tokens(access_)},
                      {"refresh", tokens(refresh_)},
                      {"chains", std::move(chains)}};
}

void TokenAuthority::restore(const boost::json::value& snapshot) {
  const auto& root = snapshot.as_object();
  const auto tokens = [](const boost::json::value& v) {
    std::map<std::string, Token> out;
    for (const auto& item : v.as_array()) {
      const auto& o = item.as_object();
      out[std::string(o.at("token").as_string())] = Token{
          std::string(o.at("client_id").as_string()), o.at("chain").to_number<std::uint64_t>(),
          from_ms(o.at("expires_ms")), o.at("used").as_bool()};
    }
    return out;
  };
  std::map<std::string, Code> codes;
  for (const auto& item : root.at("codes").as_array()) {
    const auto& o = item.as_object();
    codes[std::string(o.at("code").as_string())] =
        Code{std::string(o.at("client_id").as_string()),
             std::string(o.at("redirect_uri").as_string()), from_ms(o.at("expires_ms"))};
  }
  std::map<std::uint64_t, Chain> chains;
  for (const auto& item : root.at("chains").as_array()) {
    const auto& o = item.as_object();
    chains[o.at("id").to_number<std::uint64_t>()] = Chain{
        std::string(o.at("client_id").as_string()), std::string(o.at("access_token").as_string()),
        std::string(o.at("refresh_token").as_string()), o.at("revoked").as_bool()};
  }
  auto access = tokens(root.at("access"));
  auto refresh = tokens(root.at("refresh"));
  next_chain_ = root.at("next_chain").to_number<std::uint64_t>();
  codes_ = std::move(codes);
  chains_ = std::move(chains);
  access_ = std::move(access);
  refresh_ = std::move(refresh);
}

}  // namespace keapsync::sandbox
