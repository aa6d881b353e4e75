// Asked right before each send: the latest time the call may still be in
// flight (the request's deadline), or nullopt when it must not be sent at all
// (the delivery no longer holds its contact's lease).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace keapsync::keap {

using CallWindow = std::function<std::optional<std::chrono::steady_clock::time_point>()>;

}  // namespace keapsync::keap
