// EmailStatusEvent: an outbox row with op "opt_out" or "opt_in": the marketing
// status of one e-mail address in Keap (PATCH /rest/v2/emailAddresses/{email}/status).
#pragma once

#include <string>

namespace keapsync::keap {

struct EmailStatusEvent {
  std::string email;
  bool opted_in = false;
  std::string reason;  // Keap keeps it for compliance
  bool operator==(const EmailStatusEvent&) const = default;
};

}  // namespace keapsync::keap
