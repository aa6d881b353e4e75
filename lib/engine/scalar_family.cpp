// ScalarFamily: storage and rendering of one number per series.
#include "engine/scalar_family.hpp"

#include "engine/exposition.hpp"

namespace keapsync::engine {

ScalarFamily::ScalarFamily(std::string name, std::string help, std::vector<std::string> label_names,
                           std::string_view type)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)), type_(type) {
  if (this->label_names().empty()) series_[{}] = 0;
}

void ScalarFamily::add(const LabelValues& labels, double n) {
  check(labels);
  std::lock_guard lock(mutex_);
  series_[labels] += n;
}

void ScalarFamily::assign(const LabelValues& labels, double value) {
  check(labels);
  std::lock_guard lock(mutex_);
  series_[labels] = value;
}

double ScalarFamily::value(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second;
}

void ScalarFamily::render(std::string& out) const {
  render_header(out, type_);
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : series_) {
    out += name();
    exposition::append_labels(out, label_names(), labels);
    out += ' ';
    out += exposition::format_value(value);
    out += '\n';
  }
}

}  // namespace keapsync::engine
