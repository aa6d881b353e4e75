// Names of the error classes, as they appear in logs and metrics.
#include "keap/error_class.hpp"

namespace keapsync::keap {

const char* to_string(ErrorClass c) {
  switch (c) {
    case ErrorClass::transient:
      return "transient";
    case ErrorClass::throttled:
      return "throttled";
    case ErrorClass::permanent:
      return "permanent";
    case ErrorClass::auth:
      return "auth";
    case ErrorClass::fenced:
      return "fenced";
  }
  return "unknown";
}

}  // namespace keapsync::keap
