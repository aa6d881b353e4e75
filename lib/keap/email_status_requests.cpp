// Keap v2 e-mail status request (email_status_requests.hpp).
#include "keap/email_status_requests.hpp"

#include <boost/json.hpp>

#include "http/percent_encode.hpp"

namespace keapsync::keap {

KeapRequest email_status_request(const EmailStatusEvent& event) {
  return KeapRequest{"PATCH",
                     "/rest/v2/emailAddresses/" + http::percent_encode(event.email) + "/status",
                     boost::json::object{{"opted_in", event.opted_in}, {"reason", event.reason}},
                     {}};
}

}  // namespace keapsync::keap
