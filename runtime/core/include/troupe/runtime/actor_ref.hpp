#pragma once
/// Actor references: location-transparent handles to local or remote actors.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "troupe/runtime/cell_ptr.hpp"

namespace troupe {

namespace detail {
class local_cell;

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

/// Reports the send to the trace (when tracing) and enqueues. Returns the message's trace id
/// (0 when the send is not traced), read before the enqueue. Defined in actor.cpp.
std::uint64_t send_envelope(cell* target, envelope* message);

/// Wraps `value` in an envelope from `sender` (may be nullptr) and sends it to `target`.
/// Returns the message's trace id (the `id` of its `send` event), or 0 when not traced: a
/// caller that traces its own events about the message (cluster sharding) links them by it.
template <class U>
std::uint64_t send_value(cell* target, cell* sender, U&& value) {
  using T = std::remove_cvref_t<U>;
  if constexpr (is_variant<T>::value) {
    // The envelope carries the active alternative, so that receivers and the wire see the
    // concrete type.
    return std::visit(
        [&](auto&& alternative) { return send_value(target, sender, std::move(alternative)); },
        std::forward<U>(value));
  } else {
    auto* message = new typed_envelope<T>(std::in_place, std::forward<U>(value));
    if (sender != nullptr) {
      sender->add_ref();
      message->adopt_sender(sender);
    }
    return send_envelope(target, message);
  }
}

cell* current_sender_cell();
}  // namespace detail

/// A reference to an actor of any protocol. Sending through it is checked when the message
/// arrives: a type the receiver does not accept becomes a dead letter (`unknown_type`).
class any_ref {
 public:
  any_ref() = default;
  explicit any_ref(detail::cell_ptr<> target) : cell_(std::move(target)) {}

  /// Sends `message`; inside an actor's turn the sender is that actor. Any thread.
  template <class T>
  void tell_any(T&& message) const {
    detail::send_value(cell_.get(), detail::current_sender_cell(), std::forward<T>(message));
  }

  /// The actor's path within its node, e.g. "/user/store" ("" for an empty ref).
  std::string path() const { return cell_ ? cell_->path() : std::string(); }
  /// The node (pod) the actor lives on.
  std::string_view node() const { return cell_ ? cell_->node() : std::string_view(); }
  bool valid() const { return static_cast<bool>(cell_); }
  explicit operator bool() const { return valid(); }
  bool is_remote() const { return cell_ && cell_->is_remote(); }

  /// Runtime-internal: the cell behind the reference.
  detail::cell* cell() const { return cell_.get(); }
  friend bool operator==(const any_ref& a, const any_ref& b) { return a.cell_ == b.cell_; }

 protected:
  detail::cell_ptr<> cell_;
};

/// A typed reference to an actor whose protocol is `Msg` (one type, or a std::variant of the
/// types it accepts). `tell` only compiles for types the actor accepts.
template <class Msg>
class actor_ref : public any_ref {
 public:
  using message_type = Msg;
  actor_ref() = default;
  explicit actor_ref(detail::cell_ptr<> target) : any_ref(std::move(target)) {}

  /// Sends `message`; inside an actor's turn the sender is that actor. Any thread.
  /// Messages from one sender to one receiver arrive in the order they were sent.
  template <class U>
    requires accepts_v<Msg, U>
  void tell(U&& message) const {
    detail::send_value(cell_.get(), detail::current_sender_cell(), std::forward<U>(message));
  }

  /// Sends `message` with an explicit sender (whom `reply` answers).
  template <class U>
    requires accepts_v<Msg, U>
  void tell(U&& message, const any_ref& sender) const {
    detail::send_value(cell_.get(), sender.cell(), std::forward<U>(message));
  }
};

}  // namespace troupe
