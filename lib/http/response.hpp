// Response: status, headers and the whole (size-limited) body of one HTTP response.
#pragma once

#include <string>

#include "http/headers.hpp"

namespace keapsync::http {

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

}  // namespace keapsync::http
