// ProxySettings: the curl conventions for HTTPS_PROXY / NO_PROXY, without CIDR ranges.
#include "http/proxy_settings.hpp"

#include <cstdlib>
#include <stdexcept>

#include "ascii/ascii.hpp"

namespace keapsync::http {
namespace {

struct Setting {
  const char* name;
  std::string value;
};

std::optional<Setting> first_set(const ProxySettings::Environment& env, const char* lower,
                                 const char* upper) {
  for (const char* name : {lower, upper}) {
    if (auto v = env(name); v && !ascii::trim(*v).empty()) return Setting{name, *v};
  }
  return std::nullopt;
}

}  // namespace

ProxySettings ProxySettings::from_environment(const Environment& env) {
  ProxySettings settings;
  if (auto setting = first_set(env, "https_proxy", "HTTPS_PROXY")) {
    std::string text = ascii::to_lower(ascii::trim(setting->value));
    if (text.find("://") == std::string::npos) text = "http://" + text;
    const std::string name = setting->name;
    try {
      settings.proxy = Url::parse(text, /*allow_http=*/true);
    } catch (const std::invalid_argument& e) {
      // Url::parse quotes the value with its password hidden.
      throw std::invalid_argument(name + ": " + e.what());
    }
    if (settings.proxy->scheme != "http") {
      throw std::invalid_argument(name + ": only http:// (CONNECT) proxies are supported");
    }
  }
  if (auto setting = first_set(env, "no_proxy", "NO_PROXY")) {
    std::string_view list = setting->value;
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string entry = ascii::to_lower(ascii::trim(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      // "host:port" entries: the port is ignored (we only ever use 443).
      if (const auto colon = entry.rfind(':');
          colon != std::string::npos && entry.find(':') == colon) {
        entry.resize(colon);
      }
      if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') {
        entry = entry.substr(1, entry.size() - 2);
      }
      while (!entry.empty() && entry.front() == '.')
        entry.erase(0, 1);
      if (!entry.empty()) settings.no_proxy.push_back(entry);
    }
  }
  return settings;
}

ProxySettings ProxySettings::from_process_environment() {
  return from_environment([](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at start
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  });
}

std::optional<Url> ProxySettings::proxy_for(std::string_view host_in) const {
  if (!proxy) return std::nullopt;
  const std::string host = ascii::to_lower(ascii::trim(host_in));
  for (const auto& entry : no_proxy) {
    if (entry == "*" || host == entry) return std::nullopt;
    if (host.size() > entry.size() && host.ends_with(entry) &&
        host[host.size() - entry.size() - 1] == '.') {
      return std::nullopt;
    }
  }
  return proxy;
}

}  // namespace keapsync::http
