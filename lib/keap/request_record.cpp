// Route templates for request metrics.
#include "keap/request_record.hpp"

#include <algorithm>
#include <cctype>

namespace keapsync::keap {

std::string route_template(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::string out;
  while (!target.empty()) {
    const auto end = target.find('/', 1);
    const auto segment = target.substr(0, end);  // with its leading '/'
    const auto name = segment.substr(segment.starts_with('/') ? 1 : 0);
    const bool id = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isdigit(c) != 0;
    });
    out += id ? std::string(segment.substr(0, segment.size() - name.size())) + "{id}"
              : std::string(segment);
    if (end == std::string_view::npos) break;
    target.remove_prefix(end);
  }
  return out;
}

}  // namespace keapsync::keap
