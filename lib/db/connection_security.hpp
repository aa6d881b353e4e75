// Whether a database URL sends its traffic, tokens included, across a
// network without a verified TLS server.
#pragma once

#include <optional>
#include <string>

namespace keapsync::db {

// The first host of `url` (a libpq key=value string or URI) that is reached
// over TCP on another machine while sslmode is not verify-full; nullopt when
// every host is a Unix socket or loopback, when sslmode=verify-full, or when
// libpq cannot parse `url` (connecting says why).
std::optional<std::string> unverified_remote_host(const std::string& url);

}  // namespace keapsync::db
