// KeapRequest: one Keap v2 REST call as data (method, target, JSON body), built without I/O.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace keapsync::keap {

struct KeapRequest {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  // Path and query relative to config keap.api_url (e.g. https://api.infusionsoft.com/crm):
  // "/rest/v2/contacts?duplicate_option=Email".
  std::string target;
  std::optional<boost::json::object> body;  // sent as application/json when present
  // PATCH only: the update_mask values in `target`, exactly the top-level keys of `body`.
  std::vector<std::string> update_mask;

  bool operator==(const KeapRequest&) const = default;
};

}  // namespace keapsync::keap
