// The real clock of the keap layer.
#include "base/clock.hpp"

namespace keapsync {

Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace keapsync
