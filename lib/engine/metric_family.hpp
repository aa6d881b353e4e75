// MetricFamily: what every metric family shares (name, help, label names, rendering).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace keapsync::engine {

// The values of one series' labels, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends this family in the text exposition format 0.0.4: HELP, TYPE, then every series
  // ordered by its label values.
  virtual void render(std::string& out) const = 0;

 protected:
  // Validates the names (throws std::invalid_argument on a bad metric or label name).
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names);

  // Throws std::invalid_argument when `labels` does not have one value per label name.
  void check(const LabelValues& labels) const;
  // Appends "# HELP" and "# TYPE" lines.
  void render_header(std::string& out, std::string_view type) const;

  mutable std::mutex mutex_;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

}  // namespace keapsync::engine
