// The schema walk: one recursive check per keyword the spec uses.
#include "support/json_schema.hpp"

#include <boost/json/serialize.hpp>

namespace keapsync::testing {

namespace json = boost::json;

const json::object& JsonSchemas::named(std::string_view name) const {
  return schemas_.at(name).as_object();
}

std::vector<std::string> JsonSchemas::violations(const json::value& value,
                                                 const json::object& schema,
                                                 const std::string& path) const {
  std::vector<std::string> errors;
  check(value, schema, path, errors);
  return errors;
}

void JsonSchemas::check(const json::value& v, const json::object& schema, const std::string& path,
                        std::vector<std::string>& errors) const {
  if (const auto* ref = schema.if_contains("$ref")) {
    const std::string_view r = ref->as_string();
    check(v, named(r.substr(r.rfind('/') + 1)), path, errors);
    return;
  }
  const auto* type = schema.if_contains("type");
  if (type == nullptr) return;  // any value (e.g. CustomFieldValue.content)
  const std::string_view t = type->as_string();
  if (t == "object") {
    if (!v.is_object()) return errors.push_back(path + ": not an object");
    const auto* props = schema.if_contains("properties");
    const auto* additional = schema.if_contains("additionalProperties");
    for (const auto& [key, item] : v.as_object()) {
      const auto child = path + "." + std::string(key);
      if (props != nullptr && props->as_object().contains(key)) {
        check(item, props->as_object().at(key).as_object(), child, errors);
      } else if (additional != nullptr && additional->is_object()) {
        check(item, additional->as_object(), child, errors);
      } else {
        errors.push_back(child + ": not in the schema");
      }
    }
    if (const auto* required = schema.if_contains("required")) {
      for (const auto& name : required->as_array()) {
        if (!v.as_object().contains(name.as_string()))
          errors.push_back(path + ": missing " + std::string(name.as_string()));
      }
    }
  } else if (t == "array") {
    if (!v.is_array()) return errors.push_back(path + ": not an array");
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      check(v.as_array()[i], schema.at("items").as_object(), path + "[" + std::to_string(i) + "]",
            errors);
    }
  } else if (t == "string") {
    if (!v.is_string()) return errors.push_back(path + ": not a string");
    if (const auto* options = schema.if_contains("enum")) {
      bool found = false;
      for (const auto& option : options->as_array())
        found = found || option == v;
      if (!found) errors.push_back(path + ": " + json::serialize(v) + " not in the enum");
    }
    if (const auto* max = schema.if_contains("maxLength");
        max != nullptr && v.as_string().size() > max->to_number<std::size_t>()) {
      errors.push_back(path + ": longer than maxLength");
    }
  } else if (t == "integer") {
    if (!v.is_int64() && !v.is_uint64()) errors.push_back(path + ": not an integer");
  } else if (t == "number") {
    if (!v.is_number()) errors.push_back(path + ": not a number");
  } else if (t == "boolean") {
    if (!v.is_bool()) errors.push_back(path + ": not a boolean");
  }
}

}  // namespace keapsync::testing
