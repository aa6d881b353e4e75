// Counter: a Prometheus counter family (monotonic, one value per label set), thread-safe.
#pragma once

#include "engine/scalar_family.hpp"

namespace keapsync::engine {

class Counter final : public ScalarFamily {
 public:
  // Prefer MetricRegistry::counter(); the name should end in _total.
  Counter(std::string name, std::string help, std::vector<std::string> label_names);

  // Adds `n` (>= 0; throws std::invalid_argument otherwise or on a wrong label count).
  void inc(const LabelValues& labels, double n = 1);
};

}  // namespace keapsync::engine
