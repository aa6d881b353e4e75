// The real clock of the keap layer.
#include "keap/clock.hpp"

namespace keapsync::keap {

Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace keapsync::keap
