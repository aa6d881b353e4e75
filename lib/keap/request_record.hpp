// One HTTP exchange with Keap as the metrics count it, and the route template
// that keeps their labels low-cardinality.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace keapsync::keap {

struct RequestRecord {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  std::string route;   // route_template() of the target
  std::string status;  // "200", "429", ..., or "transport_error" when no response arrived
  double seconds = 0;  // from sending the request to the complete response (or the failure)
};

using RequestObserver = std::function<void(const RequestRecord&)>;

// "/rest/v2/contacts/123?update_mask=email" → "/rest/v2/contacts/{id}": the
// query dropped and every all-digit path segment replaced by {id}.
std::string route_template(std::string_view target);

}  // namespace keapsync::keap
