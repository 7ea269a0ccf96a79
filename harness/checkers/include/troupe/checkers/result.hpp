#pragma once
/// \file result.hpp
/// A value-or-error type for the checkers' API: operating errors (a malformed trace, an
/// operation the model does not know) are values, never exceptions (STYLE.md, Errors).

#include <cassert>
#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace troupe::checkers {

/// Why a trace or history could not be used. `line` is the 1-based line number in the
/// trace file (0 when the error concerns no single line, e.g. a file that cannot be opened).
struct error {
  std::size_t line = 0;
  std::string message;

  /// "line 12: missing field 'seq'" or, without a line, just the message.
  [[nodiscard]] std::string to_string() const {
    if (line == 0) {
      return message;
    }
    return "line " + std::to_string(line) + ": " + message;
  }
};

/// Either a `Value` or an `error`. Accessing the wrong alternative is a programmer error
/// and asserts.
template <typename Value>
class [[nodiscard]] result {
 public:
  /// A result holding `value`; `error` below holds a failure.
  result(Value value) : state_(std::move(value)) {}      // NOLINT: implicit by design.
  result(error failure) : state_(std::move(failure)) {}  // NOLINT: implicit by design.

  /// True when the result holds a value.
  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// The value; asserts `ok()`.
  [[nodiscard]] Value& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  [[nodiscard]] const Value& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  [[nodiscard]] Value&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  /// The error; asserts `!ok()`.
  [[nodiscard]] const error& failure() const {
    assert(!ok());
    return std::get<1>(state_);
  }

  /// Access to the value; asserts `ok()`.
  Value* operator->() { return &value(); }
  const Value* operator->() const { return &value(); }
  Value& operator*() & { return value(); }
  const Value& operator*() const& { return value(); }

 private:
  std::variant<Value, error> state_;
};

}  // namespace troupe::checkers
