// ProxySettings: HTTPS_PROXY / NO_PROXY, read from an injected environment.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/url.hpp"

namespace keapsync::http {

struct ProxySettings {
  std::optional<Url> proxy;           // http://host:port of a CONNECT proxy; none: direct
  std::vector<std::string> no_proxy;  // lower-case host suffixes, or "*"

  // Looks a variable up; returns nullopt when unset.
  using Environment = std::function<std::optional<std::string>(const std::string& name)>;

  // https_proxy (then HTTPS_PROXY) and no_proxy (then NO_PROXY). A proxy URL
  // without a scheme is taken as http://. An unusable proxy URL throws
  // std::invalid_argument (a configuration error).
  static ProxySettings from_environment(const Environment& env);
  // The same over the process environment (getenv).
  static ProxySettings from_process_environment();

  // The proxy to use for `host`, or nullopt to connect directly. NO_PROXY
  // entries match the host itself or any sub-domain ("example.com" and
  // ".example.com" both match "api.example.com"); "*" disables the proxy.
  std::optional<Url> proxy_for(std::string_view host) const;
};

}  // namespace keapsync::http
