// Request counts by route and status, for GET /_sandbox/stats.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <string>

namespace keapsync::sandbox {

class Stats {
 public:
  // Bounded: past kMaxRoutes distinct routes, new ones count as "(other)".
  void record(const std::string& route, int status) {
    bool known = routes_.count(route) != 0;
    ++routes_[known || routes_.size() < kMaxRoutes ? route : "(other)"][status];
    ++total_;
  }
  static constexpr std::size_t kMaxRoutes = 256;
  std::uint64_t count(const std::string& route, int status) const;
  std::uint64_t total() const { return total_; }
  // {"total": N, "routes": {"POST /rest/v2/contacts": {"201": 3}}}
  boost::json::value to_json() const;

 private:
  std::map<std::string, std::map<int, std::uint64_t>> routes_;
  std::uint64_t total_ = 0;
};

}  // namespace keapsync::sandbox
