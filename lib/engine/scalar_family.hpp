// ScalarFamily: what Counter and Gauge share, one number per label set.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/metric_family.hpp"

namespace keapsync::engine {

class ScalarFamily : public MetricFamily {
 public:
  // The current value (0 for a series never touched).
  double value(const LabelValues& labels) const;

  void render(std::string& out) const override;

 protected:
  // `type`: "counter" or "gauge". An unlabelled family always shows (as 0 at first).
  ScalarFamily(std::string name, std::string help, std::vector<std::string> label_names,
               std::string_view type);

  // Both throw std::invalid_argument on a wrong label count.
  void add(const LabelValues& labels, double n);
  void assign(const LabelValues& labels, double value);

 private:
  std::string_view type_;
  std::map<LabelValues, double> series_;
};

}  // namespace keapsync::engine
