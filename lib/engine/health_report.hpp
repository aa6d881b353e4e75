// HealthReport: the answer of /healthz or /readyz (pass or fail, the reasons, a JSON body).
#pragma once

#include <string>
#include <vector>

namespace keapsync::engine {

struct HealthReport {
  bool ok = false;                   // 200 when true, 503 otherwise
  std::vector<std::string> reasons;  // why not ok (reason codes, see health_state.hpp)
  std::string body;                  // a small JSON object, served as application/json
};

}  // namespace keapsync::engine
