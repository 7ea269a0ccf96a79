#pragma once
/// Operating errors as values: `result<T>` holds either a T or an `error`.

#include <string>
#include <utility>
#include <variant>

#include "troupe/runtime/assert.hpp"

namespace troupe {

/// Why an operation did not produce a value.
enum class error_code {
  timeout,          ///< an ask got no answer within its timeout
  dead_letter,      ///< the target actor is not alive (stopped, or never existed)
  mailbox_full,     ///< the target's bounded mailbox rejected the message
  unexpected_type,  ///< a reply or message had a type the receiver does not accept
  duplicate_name,   ///< spawn with a name that is already registered
  not_found,        ///< lookup of a name that is not registered
  shutting_down,    ///< the actor system is stopping and accepts no new actors
  not_serializable, ///< a message for a remote actor has no wire encoding
  unreachable,      ///< the remote node is unreachable or its outbound queue is full
};

/// A short, stable name for an error code (used in traces and logs).
const char* to_string(error_code code);

/// An operating error: a code and a human-readable explanation.
struct error {
  error_code code;
  std::string message;
};

/// Either a value or an error. Accessing the wrong alternative is a programmer error.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  result(error failure) : state_(std::in_place_index<1>, std::move(failure)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    TROUPE_ASSERT_MSG(ok(), "result::value() on an error");
    return std::get<0>(state_);
  }
  const T& value() const& {
    TROUPE_ASSERT_MSG(ok(), "result::value() on an error");
    return std::get<0>(state_);
  }
  T&& value() && {
    TROUPE_ASSERT_MSG(ok(), "result::value() on an error");
    return std::get<0>(std::move(state_));
  }
  const error& failure() const {
    TROUPE_ASSERT_MSG(!ok(), "result::failure() on a value");
    return std::get<1>(state_);
  }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, error> state_;
};

/// The result of an operation that yields nothing but may fail.
struct done {};

}  // namespace troupe
