// Request counts by route and status, for GET /_sandbox/stats.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <string>

namespace keapsync::sandbox {

class Stats {
 public:
  void record(const std::string& route, int status) {
    ++routes_[route][status];
    ++total_;
  }
  std::uint64_t count(const std::string& route, int status) const;
  std::uint64_t total() const { return total_; }
  // {"total": N, "routes": {"POST /rest/v2/contacts": {"201": 3}}}
  boost::json::value to_json() const;

 private:
  std::map<std::string, std::map<int, std::uint64_t>> routes_;
  std::uint64_t total_ = 0;
};

}  // namespace keapsync::sandbox
