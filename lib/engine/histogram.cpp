// Histogram: fixed buckets per label set, rendered cumulatively.
#include "engine/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "engine/exposition.hpp"

namespace keapsync::engine {

std::vector<double> Histogram::latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)),
      buckets_(std::move(buckets)) {
  if (std::find(this->label_names().begin(), this->label_names().end(), "le") !=
      this->label_names().end()) {
    throw std::invalid_argument(this->name() + ": a histogram cannot have a label named le");
  }
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (!std::isfinite(buckets_[i]) || (i > 0 && !(buckets_[i] > buckets_[i - 1]))) {
      throw std::invalid_argument(this->name() + ": bucket bounds must be finite and increasing");
    }
  }
  if (this->label_names().empty()) series_[{}].counts.assign(buckets_.size() + 1, 0);
}

void Histogram::observe(const LabelValues& labels, double value) {
  check(labels);
  if (std::isnan(value)) return;  // would poison _sum forever
  // The first bound >= value ("le" is inclusive).
  auto index = static_cast<std::size_t>(std::lower_bound(buckets_.begin(), buckets_.end(), value) -
                                        buckets_.begin());
  std::lock_guard lock(mutex_);
  Series& series = series_[labels];
  if (series.counts.empty()) series.counts.assign(buckets_.size() + 1, 0);
  ++series.counts[index];
  series.sum += value;
  ++series.count;
}

std::uint64_t Histogram::count(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::render(std::string& out) const {
  render_header(out, "histogram");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, series] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= buckets_.size(); ++i) {
      cumulative += series.counts[i];
      std::string bound = i < buckets_.size() ? exposition::format_value(buckets_[i]) : "+Inf";
      std::pair<std::string_view, std::string_view> le{"le", bound};
      out += name();
      out += "_bucket";
      exposition::append_labels(out, label_names(), labels, &le);
      out += ' ';
      out += std::to_string(cumulative);
      out += '\n';
    }
    out += name();
    out += "_sum";
    exposition::append_labels(out, label_names(), labels);
    out += ' ';
    out += exposition::format_value(series.sum);
    out += '\n';
    out += name();
    out += "_count";
    exposition::append_labels(out, label_names(), labels);
    out += ' ';
    out += std::to_string(series.count);
    out += '\n';
  }
}

}  // namespace keapsync::engine
