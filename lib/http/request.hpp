// Request: one HTTP request as plain data (the Client adds Host, User-Agent, Content-Length).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "http/headers.hpp"

namespace keapsync::http {

struct Request {
  std::string method = "GET";
  std::string target;        // origin-form, e.g. Url::join("/rest/v2/contacts") + "?limit=1"
  Headers headers;           // Authorization, Accept, ...
  std::string body;          // sent with Content-Length when non-empty or method is not GET
  std::string content_type;  // e.g. "application/json"; empty: no Content-Type
  // One deadline over the whole request. The steps that find a dead peer
  // (pool wait, resolve, connect, TLS) keep their own timeouts, cut to what is
  // left; writing the request and reading the answer are bounded by the
  // deadline alone (a slow answer within it is still taken). Unset: the
  // steps' timeouts alone.
  std::optional<std::chrono::steady_clock::time_point> deadline;

  // RFC 9110 §9.2.2: only these may be resent without asking the caller.
  bool idempotent() const {
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
           method == "PUT" || method == "DELETE";
  }
};

}  // namespace keapsync::http
