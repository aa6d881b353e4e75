// Request: one HTTP request as plain data (the Client adds Host, User-Agent, Content-Length).
#pragma once

#include <string>

#include "http/headers.hpp"

namespace keapsync::http {

struct Request {
  std::string method = "GET";
  std::string target;        // origin-form, e.g. Url::join("/rest/v2/contacts") + "?limit=1"
  Headers headers;           // Authorization, Accept, ...
  std::string body;          // sent with Content-Length when non-empty or method is not GET
  std::string content_type;  // e.g. "application/json"; empty: no Content-Type
};

}  // namespace keapsync::http
