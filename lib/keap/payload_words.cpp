// Payload error wording (payload_words.hpp).
#include "keap/payload_words.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

#include "ascii/edit_distance.hpp"
#include "ascii/utf8.hpp"
#include "keap/payload_limits.hpp"

namespace keapsync::keap {

namespace json = boost::json;

std::string kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

std::string quoted(std::string_view s) {
  std::string cut(s);
  if (cut.size() > 60) {
    cut = cut.substr(0, ascii::utf8_cut(cut, 60));
    return json::serialize(json::value(cut)) + "...";
  }
  return json::serialize(json::value(cut));
}

std::size_t char_count(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string shown_key(std::string_view key) {
  const std::size_t n = char_count(key);
  if (n <= PayloadLimits::shown_key) return std::string(key);
  std::size_t end = 0;
  for (std::size_t chars = 0; chars <= PayloadLimits::shown_key; ++end) {
    if ((static_cast<unsigned char>(key[end]) & 0xC0) != 0x80) ++chars;
  }
  return std::string(key.substr(0, end - 1)) + "...(a key of " + std::to_string(n) + " characters)";
}

std::string key_hint(std::string_view key, std::span<const std::string_view> keys) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;  // suggest only close typos (at most 2 edits)
  for (std::string_view k : keys) {
    const std::size_t d = ascii::edit_distance(key, k);
    if (d < best_distance && d < k.size()) {
      best = k;
      best_distance = d;
    }
  }
  if (best) return "(did you mean \"" + std::string(*best) + "\"?)";
  std::string list;
  for (std::string_view k : keys)
    list += (list.empty() ? "" : ", ") + std::string(k);
  return "(expected one of: " + list + ")";
}

}  // namespace keapsync::keap
