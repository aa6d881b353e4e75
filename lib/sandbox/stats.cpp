// Request counters for the sandbox.
#include "sandbox/stats.hpp"

#include <boost/json.hpp>

namespace keapsync::sandbox {

std::uint64_t Stats::count(const std::string& route, int status) const {
  auto r = routes_.find(route);
  if (r == routes_.end()) return 0;
  auto s = r->second.find(status);
  return s == r->second.end() ? 0 : s->second;
}

boost::json::value Stats::to_json() const {
  boost::json::object routes;
  for (const auto& [route, statuses] : routes_) {
    boost::json::object by_status;
    for (const auto& [status, n] : statuses)
      by_status[std::to_string(status)] = n;
    routes[route] = std::move(by_status);
  }
  return boost::json::object{{"total", total_}, {"routes", std::move(routes)}};
}

}  // namespace keapsync::sandbox
