// Counter: a monotonic value per label set.
#include "engine/counter.hpp"

#include <cmath>
#include <stdexcept>

#include "engine/exposition.hpp"

namespace keapsync::engine {

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)) {
  if (this->label_names().empty()) series_[{}] = 0;  // an unlabelled counter always shows
}

void Counter::inc(const LabelValues& labels, double n) {
  check(labels);
  if (!(n >= 0)) throw std::invalid_argument(name() + ": a counter cannot decrease");
  std::lock_guard lock(mutex_);
  series_[labels] += n;
}

double Counter::value(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second;
}

void Counter::render(std::string& out) const {
  render_header(out, "counter");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : series_) {
    out += name();
    exposition::append_labels(out, label_names(), labels);
    out += ' ';
    out += exposition::format_value(value);
    out += '\n';
  }
}

void Counter::remove_where(std::string_view label_name, std::string_view value) {
  int index = label_index(label_name);
  if (index < 0) return;
  std::lock_guard lock(mutex_);
  std::erase_if(series_, [&](const auto& s) { return s.first[index] == value; });
}

}  // namespace keapsync::engine
