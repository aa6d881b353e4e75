// A small command-line parser: declared options only, clear usage errors.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace keapsync::cli {

// A command line that does not fit the command; what() says what and how.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;        // "--config"
  std::string short_name;  // "-c" or ""
  bool takes_value = false;
};

class Arguments {
 public:
  // Parses argv[first..argc); throws UsageError for an unknown option or a
  // missing value. "--name=value" and "--name value" are both accepted.
  Arguments(int argc, char** argv, int first, const std::vector<OptionSpec>& specs);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;  // repeated options
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace keapsync::cli
