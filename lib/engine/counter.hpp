// Counter: a Prometheus counter family (monotonic, one value per label set), thread-safe.
#pragma once

#include <map>

#include "engine/metric_family.hpp"

namespace keapsync::engine {

class Counter final : public MetricFamily {
 public:
  // Prefer MetricRegistry::counter(); the name should end in _total.
  Counter(std::string name, std::string help, std::vector<std::string> label_names);

  // Adds `n` (>= 0; throws std::invalid_argument otherwise or on a wrong label count).
  void inc(const LabelValues& labels, double n = 1);
  // The current value (0 for a series never touched).
  double value(const LabelValues& labels) const;

  void render(std::string& out) const override;
  void remove_where(std::string_view label_name, std::string_view value) override;

 private:
  std::map<LabelValues, double> series_;
};

}  // namespace keapsync::engine
