// URL and form decoding for the sandbox.
#include "sandbox/form_codec.hpp"

namespace keapsync::sandbox {
namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    auto pos = kBase64.find(in[i]);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=') return std::nullopt;
  return out;
}

}  // namespace

std::optional<Params> parse_form(std::string_view in) {
  Params params;
  while (!in.empty()) {
    auto amp = in.find('&');
    auto pair = in.substr(0, amp);
    in = amp == std::string_view::npos ? std::string_view{} : in.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    params.emplace_back(std::move(*key), std::move(*value));
  }
  return params;
}

std::optional<std::string> param(const Params& params, std::string_view name) {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return std::nullopt;
}

std::vector<std::string> param_list(const Params& params, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k != name) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      if (!item.empty()) out.emplace_back(item);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return out;
}

std::optional<Target> split_target(std::string_view target) {
  auto q = target.find('?');
  Target t;
  auto path = percent_decode(target.substr(0, q));
  if (!path) return std::nullopt;
  t.path = std::move(*path);
  if (q != std::string_view::npos) {
    auto query = parse_form(target.substr(q + 1));
    if (!query) return std::nullopt;
    t.query = std::move(*query);
  }
  return t;
}

std::optional<std::pair<std::string, std::string>> parse_basic(std::string_view header) {
  constexpr std::string_view kPrefix = "Basic ";
  if (header.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto decoded = base64_decode(header.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::string base64_encode(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kBase64[(buffer << (6 - bits)) & 63]);
  while (out.size() % 4 != 0)
    out.push_back('=');
  return out;
}

}  // namespace keapsync::sandbox
