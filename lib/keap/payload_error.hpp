// PayloadError: one reason a payload cannot be sent, naming the path (`payload.address.line1`).
#pragma once

#include <string>
#include <vector>

namespace keapsync::keap {

struct PayloadError {
  std::string path;     // e.g. "payload.address.country_code"
  std::string message;  // what is wrong and what is expected

  // "payload.address.country_code: \"US\" is not an ISO 3166 alpha-3 code (did you mean \"USA\"?)"
  std::string text() const { return path + ": " + message; }
  bool operator==(const PayloadError&) const = default;
};

// All errors of one payload as one line each, for the outbox row's last_error.
inline std::string join_errors(const std::vector<PayloadError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.text();
  }
  return out;
}

}  // namespace keapsync::keap
