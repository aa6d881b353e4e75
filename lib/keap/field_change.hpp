// FieldChange<T>: one payload field that is absent (leave Keap alone), null (clear it) or set.
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

namespace keapsync::keap {

template <class T>
class FieldChange {
 public:
  FieldChange() = default;  // absent
  static FieldChange set(T value) {
    FieldChange c;
    c.state_ = State::set;
    c.value_ = std::move(value);
    return c;
  }
  static FieldChange clear() {
    FieldChange c;
    c.state_ = State::clear;
    return c;
  }

  bool absent() const { return state_ == State::absent; }
  bool present() const { return state_ != State::absent; }
  bool cleared() const { return state_ == State::clear; }
  bool has_value() const { return state_ == State::set; }

  const T& value() const {
    if (!has_value()) throw std::logic_error("FieldChange::value() on a field that is not set");
    return *value_;
  }
  T& value() {
    if (!has_value()) throw std::logic_error("FieldChange::value() on a field that is not set");
    return *value_;
  }

  // Coalescing of scalar fields: a later present value (set or null) wins; absent keeps ours.
  void update(const FieldChange& later) {
    if (later.present()) *this = later;
  }

  bool operator==(const FieldChange&) const = default;

 private:
  enum class State { absent, clear, set };
  State state_ = State::absent;
  std::optional<T> value_;
};

}  // namespace keapsync::keap
