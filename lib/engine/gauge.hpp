// Gauge: a Prometheus gauge family (a value that goes up and down, per label set), thread-safe.
#pragma once

#include "engine/scalar_family.hpp"

namespace keapsync::engine {

class Gauge final : public ScalarFamily {
 public:
  // Prefer MetricRegistry::gauge().
  Gauge(std::string name, std::string help, std::vector<std::string> label_names)
      : ScalarFamily(std::move(name), std::move(help), std::move(label_names), "gauge") {}

  // Throws std::invalid_argument on a wrong label count.
  void set(const LabelValues& labels, double value) { assign(labels, value); }
};

}  // namespace keapsync::engine
