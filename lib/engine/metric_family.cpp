// MetricFamily: name validation, label checks and the HELP/TYPE header.
#include "engine/metric_family.hpp"

#include <algorithm>
#include <stdexcept>

#include "engine/exposition.hpp"

namespace keapsync::engine {

MetricFamily::MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {
  if (!exposition::is_metric_name(name_)) {
    throw std::invalid_argument("invalid metric name: " + name_);
  }
  for (const auto& label : label_names_) {
    if (!exposition::is_label_name(label)) {
      throw std::invalid_argument("invalid label name " + label + " in " + name_);
    }
    if (std::count(label_names_.begin(), label_names_.end(), label) > 1) {
      throw std::invalid_argument("duplicate label name " + label + " in " + name_);
    }
  }
}

void MetricFamily::check(const LabelValues& labels) const {
  if (labels.size() != label_names_.size()) {
    throw std::invalid_argument(name_ + " takes " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(labels.size()));
  }
}

void MetricFamily::render_header(std::string& out, std::string_view type) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += exposition::escape_help(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace keapsync::engine
