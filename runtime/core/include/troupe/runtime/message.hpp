#pragma once
/// Messages: how a C++ type is named on the wire and in traces, and the envelope that
/// carries one value through a mailbox.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "troupe/runtime/mailbox_queue.hpp"
#include "troupe/runtime/serializable.hpp"

namespace troupe {

/// The name of a message type in traces and on the wire. Specialise it (or use
/// TROUPE_MESSAGE) to give a stable name; the default is the compiler's spelling.
template <class T>
struct message_name {
  static constexpr std::string_view value() {
    std::string_view f = __PRETTY_FUNCTION__;
    const auto start = f.find("T = ") + 4;
    const auto end = f.find_first_of(";]", start);
    return f.substr(start, end - start);
  }
};

/// Describes one message type: its name, and a 64-bit id derived from the name.
struct message_type {
  std::string_view name;
  std::uint64_t id;
};

namespace detail {
constexpr std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}
template <class T>
inline constexpr message_type message_type_instance{message_name<T>::value(),
                                                    fnv1a(message_name<T>::value())};
}  // namespace detail

/// The descriptor of `T`; the same address for every use of `T` in a program.
template <class T>
const message_type& message_type_of() {
  return detail::message_type_instance<std::remove_cvref_t<T>>;
}

/// Renders a short human-readable summary of a message for traces. Overload it (found by
/// argument-dependent lookup) as `std::string troupe_summary(const T&)`.
template <class T>
std::string summarize(const T& value) {
  if constexpr (requires { troupe_summary(value); }) {
    return troupe_summary(value);
  } else if constexpr (std::is_arithmetic_v<T>) {
    return std::to_string(value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string(std::string_view(value).substr(0, 64));
  } else {
    return std::string();
  }
}

namespace detail {
class cell;
void release_cell(cell* c);
}  // namespace detail

/// A message in flight: the value, its type, who sent it and its trace identity.
/// Owned by exactly one queue or turn at a time; deleted after delivery or drop.
class envelope : public detail::queue_node {
 public:
  explicit envelope(const message_type& type) : type_(&type) {}
  virtual ~envelope() {
    if (sender_ != nullptr) detail::release_cell(sender_);
  }
  envelope(const envelope&) = delete;
  envelope& operator=(const envelope&) = delete;

  const message_type& type() const { return *type_; }
  /// The sending actor's cell, or nullptr. The envelope holds a reference to it.
  detail::cell* sender() const { return sender_; }
  /// Takes over one reference to `sender` (may be nullptr).
  void adopt_sender(detail::cell* sender) { sender_ = sender; }

  /// A pointer to the carried value; its type is the one `type()` describes.
  virtual void* payload() = 0;
  /// A short summary for traces.
  virtual std::string summary() const = 0;
  /// Appends the value's wire encoding; false when the type has none (local-only message).
  virtual bool encode_payload(wire::byte_writer& writer) const = 0;

  std::uint64_t trace_id = 0;  ///< unique message id in the trace (0: untraced)
  std::uint64_t lamport = 0;   ///< Lamport clock at the send

 private:
  const message_type* type_;
  detail::cell* sender_ = nullptr;
};

/// An envelope carrying a `T`.
template <class T>
class typed_envelope final : public envelope {
 public:
  template <class... Args>
  explicit typed_envelope(std::in_place_t, Args&&... args)
      : envelope(message_type_of<T>()), value(std::forward<Args>(args)...) {}
  void* payload() override { return &value; }
  std::string summary() const override { return summarize(value); }
  bool encode_payload(wire::byte_writer& writer) const override {
    if constexpr (serializable<T>) {
      wire::encode(writer, value);
      return true;
    } else {
      return false;
    }
  }
  T value;
};

namespace detail {

/// Decodes one value of type `T` named `type_name` into a new envelope, or nullptr when the
/// name is not T's, T has no wire encoding, or the bytes are malformed or have a tail.
template <class T>
envelope* decode_one(std::string_view type_name, std::span<const std::byte> payload) {
  if constexpr (serializable<T> && std::is_default_constructible_v<T>) {
    if (message_type_of<T>().name != type_name) return nullptr;
    T value{};
    wire::byte_reader reader(payload);
    if (!wire::decode(reader, value) || reader.remaining() != 0) return nullptr;
    return new typed_envelope<T>(std::in_place, std::move(value));
  } else {
    return nullptr;
  }
}

template <class T>
struct decoder {
  static envelope* decode(std::string_view type_name, std::span<const std::byte> payload) {
    return decode_one<T>(type_name, payload);
  }
};
template <class... Ts>
struct decoder<std::variant<Ts...>> {
  static envelope* decode(std::string_view type_name, std::span<const std::byte> payload) {
    envelope* out = nullptr;
    (void)(((out = decode_one<Ts>(type_name, payload)) != nullptr) || ...);
    return out;
  }
};

}  // namespace detail

/// Decodes a message of protocol `Msg` (one type or a variant's alternatives) from the wire.
template <class Msg>
envelope* decode_message_as(std::string_view type_name, std::span<const std::byte> payload) {
  return detail::decoder<Msg>::decode(type_name, payload);
}

/// True when `U` may be sent to an actor whose protocol is `Msg`: `Msg` itself, or one of
/// its alternatives when `Msg` is a std::variant.
template <class Msg, class U>
struct accepts : std::is_same<Msg, std::remove_cvref_t<U>> {};
template <class... Ts, class U>
struct accepts<std::variant<Ts...>, U>
    : std::bool_constant<std::is_same_v<std::variant<Ts...>, std::remove_cvref_t<U>> ||
                         (std::is_same_v<Ts, std::remove_cvref_t<U>> || ...)> {};
template <class Msg, class U>
inline constexpr bool accepts_v = accepts<Msg, U>::value;

}  // namespace troupe

/// Gives message type `T` the stable name `NAME` (a string literal) in traces and on the
/// wire. Use at namespace scope: TROUPE_MESSAGE(kv::put, "kv.put").
#define TROUPE_MESSAGE(T, NAME)                                  \
  template <>                                                    \
  struct troupe::message_name<T> {                               \
    static constexpr std::string_view value() { return NAME; }   \
  }
