// Result: what Client::request yields — a Response (any status) or a TransportError.
#pragma once

#include <utility>
#include <variant>

#include "http/response.hpp"
#include "http/transport_error.hpp"

namespace keapsync::http {

class Result {
 public:
  Result(Response response) : value_(std::move(response)) {}  // NOLINT: implicit by design
  Result(TransportError error) : value_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<Response>(value_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok() (resp. !ok()); std::bad_variant_access otherwise.
  const Response& response() const { return std::get<Response>(value_); }
  Response& response() { return std::get<Response>(value_); }
  const TransportError& error() const { return std::get<TransportError>(value_); }

 private:
  std::variant<Response, TransportError> value_;
};

}  // namespace keapsync::http
