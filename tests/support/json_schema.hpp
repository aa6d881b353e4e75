// A validator for the part of OpenAPI 3 schemas that Keap's v2 spec uses:
// $ref (into one set of named schemas), type (object, array, string, integer,
// number, boolean), properties (a key the schema does not name is an error:
// Keap ignores or rejects it, either way a bug), additionalProperties,
// required, items, enum and maxLength. The client's request checks
// (tests/keap) and the sandbox's response checks (tests/sandbox) share it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace keapsync::testing {

class JsonSchemas {
 public:
  // `schemas`: name → schema, as under components.schemas (kept by reference).
  explicit JsonSchemas(const boost::json::object& schemas) : schemas_(schemas) {}

  const boost::json::object& named(std::string_view name) const;

  // Every way `value` breaks `schema`, each as "PATH: what", PATH starting at `path`.
  std::vector<std::string> violations(const boost::json::value& value,
                                      const boost::json::object& schema,
                                      const std::string& path) const;

 private:
  void check(const boost::json::value& v, const boost::json::object& schema,
             const std::string& path, std::vector<std::string>& errors) const;

  const boost::json::object& schemas_;
};

}  // namespace keapsync::testing
