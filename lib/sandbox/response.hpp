// One HTTP response from the sandbox Router, plus the faults the server must
// act out (delay before answering, or dropping the connection instead).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace keapsync::sandbox {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
  bool drop = false;                   // close the connection without answering

  static Response json(int status, std::string body) {
    Response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
  }

  // The value of header `name` (exact spelling), or "" when absent.
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

}  // namespace keapsync::sandbox
