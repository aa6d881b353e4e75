// Gauge: a Prometheus gauge family (a value that goes up and down, per label set), thread-safe.
#pragma once

#include <map>

#include "engine/metric_family.hpp"

namespace keapsync::engine {

class Gauge final : public MetricFamily {
 public:
  // Prefer MetricRegistry::gauge().
  Gauge(std::string name, std::string help, std::vector<std::string> label_names);

  void set(const LabelValues& labels, double value);
  void inc(const LabelValues& labels, double n = 1);
  void dec(const LabelValues& labels, double n = 1);
  // The current value (0 for a series never touched).
  double value(const LabelValues& labels) const;
  // Drops one series (it disappears from /metrics).
  void remove(const LabelValues& labels);

  void render(std::string& out) const override;
  void remove_where(std::string_view label_name, std::string_view value) override;

 private:
  std::map<LabelValues, double> series_;
};

}  // namespace keapsync::engine
