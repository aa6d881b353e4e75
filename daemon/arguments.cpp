// Command-line parsing.
#include "arguments.hpp"

namespace keapsync::cli {

Arguments::Arguments(int argc, char** argv, int first, const std::vector<OptionSpec>& specs) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      positional_.push_back(arg);
      continue;
    }
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (arg == s.name || (!s.short_name.empty() && arg == s.short_name)) spec = &s;
    }
    if (spec == nullptr) throw UsageError("unknown option " + arg);
    if (!spec->takes_value) {
      if (inline_value) throw UsageError(spec->name + " takes no value");
      values_.emplace(spec->name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) throw UsageError(spec->name + " needs a value");
      inline_value = argv[++i];
    }
    values_.emplace(spec->name, *inline_value);
  }
}

std::optional<std::string> Arguments::value(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Arguments::values(const std::string& name) const {
  std::vector<std::string> out;
  const auto [begin, end] = values_.equal_range(name);
  for (auto it = begin; it != end; ++it)
    out.push_back(it->second);
  return out;
}

}  // namespace keapsync::cli
