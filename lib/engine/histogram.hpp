// Histogram: a Prometheus histogram family with fixed bucket bounds, per label set, thread-safe.
#pragma once

#include <cstdint>
#include <map>

#include "engine/metric_family.hpp"

namespace keapsync::engine {

class Histogram final : public MetricFamily {
 public:
  // Bounds for request latencies in seconds: 5 ms .. 30 s (Keap calls time out at 30 s).
  static std::vector<double> latency_buckets();

  // `buckets`: finite upper bounds, strictly increasing (+Inf is implicit); throws
  // std::invalid_argument otherwise or when a label is named "le". Prefer MetricRegistry.
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> buckets);

  // Counts `value` in the first bucket whose bound is >= value, adds it to _sum;
  // NaN is ignored.
  void observe(const LabelValues& labels, double value);
  // How many observations a series has (0 for a series never touched).
  std::uint64_t count(const LabelValues& labels) const;

  const std::vector<double>& buckets() const { return buckets_; }

  // _bucket lines are cumulative, with le="+Inf" last, then _sum and _count.
  void render(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; last one is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::vector<double> buckets_;
  std::map<LabelValues, Series> series_;
};

}  // namespace keapsync::engine
