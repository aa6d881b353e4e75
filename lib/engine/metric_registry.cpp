// MetricRegistry: declaration and rendering of every family.
#include "engine/metric_registry.hpp"

#include <stdexcept>

namespace keapsync::engine {

template <class Family, class... Args>
Family& MetricRegistry::add(std::string name, Args&&... args) {
  auto family = std::make_unique<Family>(std::move(name), std::forward<Args>(args)...);
  Family& result = *family;
  std::lock_guard lock(mutex_);
  for (const auto& existing : families_) {
    if (existing->name() == result.name()) {
      throw std::invalid_argument("metric declared twice: " + result.name());
    }
  }
  families_.push_back(std::move(family));
  return result;
}

Counter& MetricRegistry::counter(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  return add<Counter>(std::move(name), std::move(help), std::move(label_names));
}

Gauge& MetricRegistry::gauge(std::string name, std::string help,
                             std::vector<std::string> label_names) {
  return add<Gauge>(std::move(name), std::move(help), std::move(label_names));
}

Histogram& MetricRegistry::histogram(std::string name, std::string help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> buckets) {
  return add<Histogram>(std::move(name), std::move(help), std::move(label_names),
                        std::move(buckets));
}

std::string MetricRegistry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_)
    family->render(out);
  return out;
}

}  // namespace keapsync::engine
