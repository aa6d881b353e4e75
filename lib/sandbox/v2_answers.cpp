// Keap's v2 error body and JSON answers.
#include "sandbox/v2_answers.hpp"

#include <boost/json.hpp>

#include "ascii/ascii.hpp"

namespace keapsync::sandbox {
namespace json = boost::json;
namespace {

const char* reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

}  // namespace

Response v2_error(int status, const std::string& message) {
  json::object body{{"code", status},
                    {"message", message},
                    {"status", reason(status)},
                    {"details", json::array{}}};
  return Response::json(status, json::serialize(body));
}

Response json_ok(int status, const json::value& v) {
  return Response::json(status, json::serialize(v));
}

const json::value* given(const json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::optional<json::object> parse_object(const Request& req, Response& error) {
  if (ascii::to_lower(req.header("content-type")).rfind("application/json", 0) != 0) {
    error = v2_error(415, "Content-Type must be application/json");
    return std::nullopt;
  }
  json::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec || !v.is_object()) {
    error = v2_error(400, "Input could not be converted to a valid request");
    return std::nullopt;
  }
  return std::move(v.get_object());
}

}  // namespace keapsync::sandbox
