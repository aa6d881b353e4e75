// URL pieces the sandbox needs: percent-decoding, form and query parsing,
// splitting a request target, Basic credentials.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/percent_encode.hpp"

namespace keapsync::sandbox {

using Params = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX and '+' (as space); nullopt on a malformed escape. The code base's one codec.
using http::percent_decode;
using http::percent_encode;

// Parses "a=1&b=2" (application/x-www-form-urlencoded); nullopt when malformed.
std::optional<Params> parse_form(std::string_view in);

// The first value of `name`, if present.
std::optional<std::string> param(const Params& params, std::string_view name);
// Every value of `name` (repeated keys and comma-separated lists both count).
std::vector<std::string> param_list(const Params& params, std::string_view name);

// Splits "/a/b?x=1" into path and decoded query parameters.
struct Target {
  std::string path;
  Params query;
};
std::optional<Target> split_target(std::string_view target);

// Decodes "Basic base64(id:secret)"; nullopt when not a valid Basic header.
std::optional<std::pair<std::string, std::string>> parse_basic(std::string_view header);
std::string base64_encode(std::string_view in);

}  // namespace keapsync::sandbox
