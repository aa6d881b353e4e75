// Reads the URL with libpq's own parser, so every form it accepts is judged.
#include "db/connection_security.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <sstream>

namespace keapsync::db {
namespace {

bool local(const std::string& host) {
  return host.empty() || host.front() == '/' || host.front() == '@' || host == "localhost" ||
         host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::optional<std::string> unverified_remote_host(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url.c_str(), &error), PQconninfoFree);
  if (error != nullptr) PQfreemem(error);
  if (!options) return std::nullopt;
  std::string hosts, addresses, sslmode;
  for (auto* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string key = o->keyword;
    if (key == "host") hosts = o->val;
    if (key == "hostaddr") addresses = o->val;
    if (key == "sslmode") sslmode = o->val;
  }
  // libpq falls back to PGSSLMODE and PGHOST when the URL names none.
  if (sslmode.empty() && std::getenv("PGSSLMODE") != nullptr) sslmode = std::getenv("PGSSLMODE");
  if (hosts.empty() && addresses.empty() && std::getenv("PGHOST") != nullptr)
    hosts = std::getenv("PGHOST");
  if (sslmode == "verify-full") return std::nullopt;
  // libpq connects to hostaddr when it is given; host then only names it.
  std::stringstream in(addresses.empty() ? hosts : addresses);
  for (std::string host; std::getline(in, host, ',');) {
    if (!local(host)) return host;
  }
  return std::nullopt;
}

}  // namespace keapsync::db
