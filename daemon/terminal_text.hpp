// Text from the database made safe for the operator's terminal: shop-written contact_refs and
// account names, and last_error, may hold ESC sequences or newlines that would rewrite the screen
// or forge lines of `status` and `dead list`.
#pragma once

#include <string>
#include <string_view>

namespace keapsync::cli {

// `text` with every control character shown as an escape: \n, \r, \t, and \xHH for the other
// C0 bytes, DEL and bytes that are not UTF-8; \u0080..\u009f for the C1 controls (CSI...).
std::string printable(std::string_view text);

}  // namespace keapsync::cli
