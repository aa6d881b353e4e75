// MappingResult: a request built from a change, nothing to send, or why it cannot be sent.
#pragma once

#include <optional>
#include <vector>

#include "keap/keap_request.hpp"
#include "keap/payload_error.hpp"

namespace keapsync::keap {

struct MappingResult {
  std::optional<KeapRequest> request;  // empty with no errors: nothing to send (e.g. tags only)
  std::vector<PayloadError> errors;    // permanent: the rows go to dead with join_errors()

  bool ok() const { return errors.empty(); }
};

}  // namespace keapsync::keap
