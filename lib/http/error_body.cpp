// Parsing of error bodies of every shape Keap and the proxies in front of it send.
#include "http/error_body.hpp"

#include <boost/json.hpp>

#include <array>

#include "ascii/ascii.hpp"
#include "ascii/utf8.hpp"

namespace keapsync::http {
namespace {

namespace json = boost::json;

// Bodies larger than this are not parsed as JSON (Keap's error objects are a few hundred bytes).
constexpr std::size_t kMaxJsonBody = 64 * 1024;

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

// Characters that end a credential value in JSON, form bodies, headers and prose.
bool ends_value(char c) {
  return is_blank(c) || c == '"' || c == '\'' || c == '&' || c == ',' || c == ';' || c == '}' ||
         c == '<' || c == ')' || c == ']';
}

std::string string_of(const json::value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

const json::value* member(const json::object& o, std::string_view key) {
  const auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

std::string details_of(const json::value* v) {
  if (v == nullptr || !v->is_array()) return {};
  std::string out;
  for (const auto& item : v->get_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.get_object();
    std::string one = string_of(member(o, "domain"));
    const std::string resource = string_of(member(o, "resource"));
    if (!resource.empty()) one += (one.empty() ? "" : "/") + resource;
    if (one.empty()) continue;
    out += (out.empty() ? "" : "; ") + one;
    if (out.size() > kMaxBodyText) break;
  }
  return out;
}

// The readable part of an HTML page: its <title>, else its text without tags.
std::string html_text(std::string_view body) {
  const std::string low = ascii::to_lower(body);
  const auto open = low.find("<title");
  if (open != std::string::npos) {
    const auto start = low.find('>', open);
    const auto end = low.find("</title", open);
    if (start != std::string::npos && end != std::string::npos && start < end) {
      const auto title = ascii::trim(body.substr(start + 1, end - start - 1));
      if (!title.empty()) return std::string(title);
    }
  }
  std::string out;
  bool in_tag = false;
  for (char c : body) {
    if (c == '<') {
      in_tag = true;
      out += ' ';
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += c;
    }
  }
  return out;
}

bool read_json(std::string_view body, ErrorBody& out) {
  if (body.size() > kMaxJsonBody || body.empty() || body.front() != '{') return false;
  json::error_code ec;
  json::parse_options options;
  options.max_depth = 16;
  const json::value doc = json::parse(body, ec, {}, options);
  if (ec || !doc.is_object()) return false;
  const auto& o = doc.get_object();
  out.is_json = true;

  if (const auto* fault = member(o, "fault"); fault != nullptr && fault->is_object()) {
    const auto& f = fault->get_object();
    out.message = clean_text(string_of(member(f, "faultstring")));
    if (const auto* detail = member(f, "detail"); detail != nullptr && detail->is_object()) {
      out.fault_code = clean_text(string_of(member(detail->get_object(), "errorcode")));
    }
    return true;
  }
  out.oauth_error = clean_text(string_of(member(o, "error")));
  out.message = clean_text(string_of(member(o, "message")));
  if (out.message.empty()) out.message = clean_text(string_of(member(o, "error_description")));
  out.status = clean_text(string_of(member(o, "status")));
  out.code = clean_text(string_of(member(o, "code")));
  out.details = clean_text(details_of(member(o, "details")));
  return true;
}

void mask_after(std::string& text, const std::string& low, std::string_view marker,
                bool needs_separator) {
  std::size_t pos = 0;
  while ((pos = low.find(marker, pos)) != std::string::npos) {
    std::size_t i = pos + marker.size();
    if (needs_separator) {
      // key, then optional quote and blanks, then ':' or '=', then optional blanks and quote
      while (i < text.size() && (text[i] == '"' || text[i] == '\'' || is_blank(text[i])))
        ++i;
      if (i >= text.size() || (text[i] != ':' && text[i] != '=')) {
        pos += marker.size();
        continue;
      }
      ++i;
      while (i < text.size() && (text[i] == '"' || text[i] == '\'' || is_blank(text[i])))
        ++i;
    }
    std::size_t end = i;
    while (end < text.size() && !ends_value(text[end]))
      ++end;
    if (end > i) {
      for (std::size_t k = i; k < end; ++k)
        text[k] = '*';
    }
    pos = end > pos + marker.size() ? end : pos + marker.size();
  }
}

}  // namespace

std::string mask_credentials(std::string_view input) {
  std::string text(input);
  const std::string low = ascii::to_lower(text);  // same length: masking keeps offsets aligned
  mask_after(text, low, "bearer ", false);
  mask_after(text, low, "basic ", false);
  mask_after(text, low, "keapak-", false);
  static constexpr std::array<std::string_view, 7> keys = {
      "access_token", "refresh_token", "client_secret", "api_key", "apikey", "password", "code"};
  for (const auto key : keys) {
    if (key == "code") {
      // only the form/query spelling: JSON "code" is Keap's numeric error code, kept as is
      mask_after(text, low, "&code=", false);
      mask_after(text, low, "?code=", false);
      continue;
    }
    mask_after(text, low, key, true);
  }
  // Collapse runs of mask characters so the length of a secret is not revealed.
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '*' && i > 0 && text[i - 1] == '*') continue;
    if (text[i] == '*') {
      out += "***";
      continue;
    }
    out += text[i];
  }
  return out;
}

std::string clean_text(std::string_view input, std::size_t max_bytes) {
  const std::string masked = mask_credentials(input);
  const std::string_view s = masked;
  std::string out;
  out.reserve(std::min(s.size(), max_bytes + 4));
  bool pending_space = false;
  bool truncated = false;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F || c == ' ') {
      pending_space = !out.empty();
      ++i;
      continue;
    }
    std::size_t n = ascii::utf8_sequence_length(s, i);
    std::string_view piece = n == 0 ? std::string_view("?") : s.substr(i, n);
    if (n == 0) n = 1;
    if (out.size() + (pending_space ? 1 : 0) + piece.size() > max_bytes) {
      truncated = true;
      break;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += piece;
    i += n;
  }
  if (truncated) out += "...";
  return out;
}

ErrorBody parse_error_body(std::string_view body) {
  ErrorBody out;
  const std::string_view t = ascii::trim(body);
  if (t.empty()) return out;
  out.is_empty = false;
  if (read_json(t, out)) return out;
  if (!t.empty() && t.front() == '<') {
    out.message = clean_text(html_text(t.substr(0, kMaxJsonBody)));
  } else {
    out.message = clean_text(t.substr(0, kMaxJsonBody));
  }
  return out;
}

}  // namespace keapsync::http
