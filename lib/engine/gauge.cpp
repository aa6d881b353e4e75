// Gauge: a value per label set that goes up and down.
#include "engine/gauge.hpp"

#include "engine/exposition.hpp"

namespace keapsync::engine {

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)) {
  if (this->label_names().empty()) series_[{}] = 0;  // an unlabelled gauge always shows
}

void Gauge::set(const LabelValues& labels, double value) {
  check(labels);
  std::lock_guard lock(mutex_);
  series_[labels] = value;
}

void Gauge::inc(const LabelValues& labels, double n) {
  check(labels);
  std::lock_guard lock(mutex_);
  series_[labels] += n;
}

void Gauge::dec(const LabelValues& labels, double n) {
  inc(labels, -n);
}

double Gauge::value(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second;
}

void Gauge::remove(const LabelValues& labels) {
  check(labels);
  std::lock_guard lock(mutex_);
  series_.erase(labels);
}

void Gauge::render(std::string& out) const {
  render_header(out, "gauge");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : series_) {
    out += name();
    exposition::append_labels(out, label_names(), labels);
    out += ' ';
    out += exposition::format_value(value);
    out += '\n';
  }
}

void Gauge::remove_where(std::string_view label_name, std::string_view value) {
  int index = label_index(label_name);
  if (index < 0) return;
  std::lock_guard lock(mutex_);
  std::erase_if(series_, [&](const auto& s) { return s.first[index] == value; });
}

}  // namespace keapsync::engine
