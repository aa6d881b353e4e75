// MetricRegistry: owns metric families and renders them all for /metrics; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/counter.hpp"
#include "engine/gauge.hpp"
#include "engine/histogram.hpp"

namespace keapsync::engine {

class MetricRegistry {
 public:
  MetricRegistry() = default;
  MetricRegistry(const MetricRegistry&) = delete;
  MetricRegistry& operator=(const MetricRegistry&) = delete;

  // Declare a family; the returned reference lives as long as the registry. Throws
  // std::invalid_argument on a bad or duplicate name.
  Counter& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Gauge& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Histogram& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> buckets);

  // Every family in the text exposition format 0.0.4, in declaration order; series of a family
  // sorted by label values. Serve it with exposition::kContentType.
  std::string render() const;

 private:
  template <class Family, class... Args>
  Family& add(std::string name, Args&&... args);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

}  // namespace keapsync::engine
