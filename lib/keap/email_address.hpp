// The e-mail address check the payload and the opt-out rows share.
#pragma once

#include <string_view>

namespace keapsync::keap {

// name@example.com as Keap takes it: one @, a local part of at most 64 bytes without
// spaces, controls or dots at its ends, a domain of labels (letters, digits, hyphens,
// international names) with a top-level label of two or more characters, not all digits.
bool is_email(std::string_view s);

}  // namespace keapsync::keap
