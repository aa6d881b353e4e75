// E-mail address check (email_address.hpp).
#include "keap/email_address.hpp"

#include <algorithm>

namespace keapsync::keap {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

bool is_email(std::string_view s) {
  const auto at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.empty() || local.size() > 64 || domain.empty() || domain.size() > 253) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return false;
  if (local.find_first_of("()<>[]:;,\\\"") != std::string_view::npos) return false;
  std::size_t labels = 0;
  std::string_view tld;
  for (std::size_t start = 0; start <= domain.size();) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label) {
      const bool non_ascii = static_cast<unsigned char>(c) >= 0x80;  // internationalized names
      if (!is_alnum(c) && c != '-' && !non_ascii) return false;
    }
    ++labels;
    tld = label;
    start = end + 1;
  }
  if (labels < 2 || tld.size() < 2) return false;
  return !std::all_of(tld.begin(), tld.end(), is_digit);
}

}  // namespace keapsync::keap
