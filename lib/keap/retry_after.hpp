// Parsers for the time values in Keap's responses: Retry-After, HTTP-dates, epoch expiry stamps.
// All are defensive: garbage, overflow and absurd values give nullopt, never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/clock.hpp"

namespace keapsync::keap {

// An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", plus the obsolete
// RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") forms.
std::optional<TimePoint> parse_http_date(std::string_view text);

// Retry-After: delay-seconds or an HTTP-date, as the time to retry at (a past date gives `now`).
std::optional<TimePoint> parse_retry_after(std::string_view text, TimePoint now);

// A non-negative decimal integer without sign, blanks inside or overflow.
std::optional<std::int64_t> parse_count(std::string_view text);

// x-keap-*-expiry-time: observed as epoch milliseconds (docs/keap-api.md §4.2); a 10-digit value is
// taken as epoch seconds. Values before 2001 or after 2200 are rejected.
std::optional<TimePoint> parse_epoch_stamp(std::string_view text);

}  // namespace keapsync::keap
