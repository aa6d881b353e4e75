// Counter: a monotonic value per label set.
#include "engine/counter.hpp"

#include <stdexcept>

namespace keapsync::engine {

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : ScalarFamily(std::move(name), std::move(help), std::move(label_names), "counter") {}

void Counter::inc(const LabelValues& labels, double n) {
  if (!(n >= 0)) throw std::invalid_argument(name() + ": a counter cannot decrease");
  add(labels, n);
}

}  // namespace keapsync::engine
