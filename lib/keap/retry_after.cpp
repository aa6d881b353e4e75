// Defensive parsing of Retry-After, HTTP-dates and Keap's epoch expiry stamps.
#include "keap/retry_after.hpp"

#include <array>
#include <limits>

#include "ascii/ascii.hpp"

namespace keapsync::keap {
namespace {

using namespace std::chrono;

// Splits on blanks, also treating the given extra characters as separators.
template <std::size_t N>
std::size_t split(std::string_view s, std::string_view separators,
                  std::array<std::string_view, N>& parts) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && separators.find(s[i]) != std::string_view::npos)
      ++i;
    if (i >= s.size()) break;
    std::size_t j = i;
    while (j < s.size() && separators.find(s[j]) == std::string_view::npos)
      ++j;
    if (count == N) return N + 1;  // too many parts
    parts[count++] = s.substr(i, j - i);
    i = j;
  }
  return count;
}

std::optional<unsigned> month_of(std::string_view name) {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned m = 0; m < months.size(); ++m) {
    if (ascii::iequals(name, months[m])) return m + 1;
  }
  return std::nullopt;
}

std::optional<TimePoint> make_time(std::int64_t y, unsigned mon, std::int64_t d,
                                   std::string_view hms) {
  std::array<std::string_view, 3> t{};
  if (split(hms, ":", t) != 3) return std::nullopt;
  const auto h = parse_count(t[0]);
  const auto mi = parse_count(t[1]);
  const auto s = parse_count(t[2]);
  if (!h || !mi || !s || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  if (y < 1900 || y > 9999 || d < 1 || d > 31) return std::nullopt;
  const year_month_day ymd{year{static_cast<int>(y)}, month{mon}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return time_point_cast<Duration>(sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*s});
}

}  // namespace

std::optional<std::int64_t> parse_count(std::string_view text) {
  text = ascii::trim(text);
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<TimePoint> parse_http_date(std::string_view text) {
  text = ascii::trim(text);
  std::array<std::string_view, 6> p{};
  const std::size_t n = split(text, " ,", p);
  if (n == 6 && ascii::iequals(p[5], "GMT")) {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    const auto d = parse_count(p[1]);
    const auto m = month_of(p[2]);
    const auto y = parse_count(p[3]);
    if (!d || !m || !y || p[3].size() != 4) return std::nullopt;
    return make_time(*y, *m, *d, p[4]);
  }
  if (n == 4 && ascii::iequals(p[3], "GMT")) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: 70-99 -> 19xx, else 20xx)
    std::array<std::string_view, 3> dmy{};
    if (split(p[1], "-", dmy) != 3) return std::nullopt;
    const auto d = parse_count(dmy[0]);
    const auto m = month_of(dmy[1]);
    auto y = parse_count(dmy[2]);
    if (!d || !m || !y || dmy[2].size() != 2) return std::nullopt;
    *y += *y >= 70 ? 1900 : 2000;
    return make_time(*y, *m, *d, p[2]);
  }
  if (n == 5) {
    // asctime: Sun Nov  6 08:49:37 1994
    const auto m = month_of(p[1]);
    const auto d = parse_count(p[2]);
    const auto y = parse_count(p[4]);
    if (!d || !m || !y || p[4].size() != 4) return std::nullopt;
    return make_time(*y, *m, *d, p[3]);
  }
  return std::nullopt;
}

std::optional<TimePoint> parse_retry_after(std::string_view text, TimePoint now) {
  text = ascii::trim(text);
  if (const auto secs = parse_count(text)) {
    // Bounded so that the addition cannot overflow; the limiter caps the pause anyway.
    const std::int64_t bounded = std::min<std::int64_t>(*secs, 10LL * 365 * 24 * 3600);
    return now + duration_cast<Duration>(seconds{bounded});
  }
  if (const auto at = parse_http_date(text)) return *at < now ? now : *at;
  return std::nullopt;
}

std::optional<TimePoint> parse_epoch_stamp(std::string_view text) {
  const auto v = parse_count(text);
  if (!v) return std::nullopt;
  constexpr std::int64_t kMinSeconds = 978307200;   // 2001-01-01
  constexpr std::int64_t kMaxSeconds = 7258118400;  // 2200-01-01
  std::int64_t ms = 0;
  if (*v >= kMinSeconds && *v < kMaxSeconds) {
    ms = *v * 1000;  // epoch seconds
  } else if (*v >= kMinSeconds * 1000 && *v < kMaxSeconds * 1000) {
    ms = *v;  // epoch milliseconds (what Keap sends)
  } else {
    return std::nullopt;
  }
  return TimePoint{duration_cast<Duration>(milliseconds{ms})};
}

}  // namespace keapsync::keap
