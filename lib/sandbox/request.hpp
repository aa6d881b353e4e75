// One HTTP request as the sandbox Router sees it: no sockets, no Beast types.
#pragma once

#include <map>
#include <string>

namespace keapsync::sandbox {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  // The header's value, or "" when absent; `name` must be lower-case.
  const std::string& header(const std::string& name) const {
    static const std::string empty;
    auto it = headers.find(name);
    return it == headers.end() ? empty : it->second;
  }
};

}  // namespace keapsync::sandbox
