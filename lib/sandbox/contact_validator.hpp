// Validation of a v2 CreateUpdateContactRequest the way Keap does it (and a
// little stricter where Keap is unconfirmed): field names and types, e-mail
// syntax, the spec's length limits, slots, country and region codes.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace keapsync::sandbox {

class ContactValidator {
 public:
  enum class Mode { Create, Update };

  // nullopt when valid, else a message that names the offending field.
  static std::optional<std::string> validate(const boost::json::object& body, Mode mode);

  static bool valid_email(std::string_view email);
  static bool valid_date(std::string_view date);  // YYYY-MM-DD, a real day
};

}  // namespace keapsync::sandbox
