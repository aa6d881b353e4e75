// Response: status, headers and the whole (size-limited) body of one HTTP response.
#pragma once

#include <chrono>
#include <string>

#include "http/headers.hpp"

namespace keapsync::http {

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  // When the request was written out whole (after any connect and handshake):
  // the server had it no earlier.
  std::chrono::steady_clock::time_point written_at{};
};

}  // namespace keapsync::http
