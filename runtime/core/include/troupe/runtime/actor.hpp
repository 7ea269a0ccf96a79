#pragma once
/// Writing actors: derive from `actor<Msg>` and implement `on_message`.
///
///   struct counter : troupe::actor<std::variant<increment, get_count>> {
///     int count = 0;
///     void on_message(message_type& m) override {
///       if (auto* inc = std::get_if<increment>(&m)) count += inc->by;
///       else reply(count);
///     }
///   };
///
/// Every member function below may only be called from the actor's own turn (its handlers
/// and lifecycle hooks), never from another thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "troupe/runtime/actor_ref.hpp"
#include "troupe/runtime/ask.hpp"
#include "troupe/runtime/local_cell.hpp"
#include "troupe/runtime/supervision.hpp"

namespace troupe {

class actor_system;

/// Delivered to `on_terminated` when a watched actor stops, exactly once per watch.
struct terminated {
  any_ref actor;
};

/// Delivered to `on_undelivered` when a message this actor sent was rejected by a bounded
/// mailbox with overflow_policy::reject.
struct undelivered {
  any_ref receiver;
  std::string type_name;
};

/// The part of an actor that does not depend on its protocol.
class actor_base {
 public:
  actor_base();
  virtual ~actor_base() = default;
  actor_base(const actor_base&) = delete;
  actor_base& operator=(const actor_base&) = delete;

  // -- lifecycle hooks ---------------------------------------------------------------
  /// Runs before the first message, and after a restart (from post_restart).
  virtual void pre_start() {}
  /// Runs once the actor and all its children have stopped.
  virtual void post_stop() {}
  /// Runs on the failed instance before it is replaced. Default: post_stop().
  virtual void pre_restart(const failure& reason) { post_stop(); }
  /// Runs on the fresh instance after a restart. Default: pre_start().
  virtual void post_restart(const failure& reason) { pre_start(); }
  /// How this actor supervises its children. Default: restart without limit.
  virtual supervisor_strategy supervision() const { return default_strategy(); }
  /// A watched actor stopped.
  virtual void on_terminated(const terminated& event) {}
  /// A message this actor sent was rejected by a full bounded mailbox.
  virtual void on_undelivered(const undelivered& event) {}

  // -- context ---------------------------------------------------------------------
  actor_system& system() const;
  /// This actor as an untyped reference.
  any_ref self_any() const;
  /// The sender of the message being handled (empty if it was sent from outside actors).
  any_ref sender() const;
  /// Sends `value` to the sender of the current message.
  template <class T>
  void reply(T&& value) const {
    if (auto* to = cell_->current_message() ? cell_->current_message()->sender() : nullptr)
      detail::send_value(to, cell_, std::forward<T>(value));
  }
  /// Stops this actor after the current message: children stop first, then post_stop.
  void stop() { cell_->request_stop(); }
  /// Stops a child (or any local actor).
  void stop(const any_ref& target) const;
  /// Fails this actor after the current message, as if the handler had thrown.
  void fail(std::string reason) { cell_->request_failure(std::move(reason)); }
  /// Asks for `on_terminated` when `target` stops (at once if it already has).
  void watch(const any_ref& target) { cell_->watch(target.cell()); }
  void unwatch(const any_ref& target) { cell_->unwatch(target.cell()); }
  /// Cancels the keyed timer; false if no such timer is active.
  bool cancel_timer(const std::string& key) { return cell_->cancel_timer(key); }
  bool timer_active(const std::string& key) const { return cell_->timer_active(key); }
  /// The platform's time in nanoseconds (virtual time under simulation).
  std::int64_t now_ns() const;
  /// A random 64-bit number from the platform's seeded generator.
  std::uint64_t random_u64() const;
  /// Writes a log event to the trace.
  void log(std::string_view level, std::string_view text) const;
  /// Writes an application event to the trace (see trace_sink::on_record), e.g. the
  /// `op` events of a client's history. Does nothing when the system is not traced.
  void record(std::string_view event, std::string_view json_members) const;

  /// Spawns a child actor of type A, constructed from `args`.
  template <class A, class... Args>
  actor_ref<typename A::message_type> spawn(Args&&... args);
  /// Spawns a child with options (a registered name, a bounded mailbox).
  template <class A, class... Args>
  result<actor_ref<typename A::message_type>> spawn_with(spawn_options options, Args&&... args);

  /// Sends `question` to `target` and runs `on_reply` in this actor's turn with the reply of
  /// type R, or with an error (timeout, dead letter, mailbox full, unexpected type).
  template <class R, class Msg, class U>
  void ask(const actor_ref<Msg>& target, U&& question, duration timeout,
           std::function<void(result<R>)> on_reply);

  /// Runtime-internal: the cell of this actor.
  detail::local_cell* cell() const { return cell_; }

 private:
  detail::local_cell* cell_;
};

/// An actor whose protocol is `Msg`: a single message type or a std::variant of them.
template <class Msg>
class actor : public actor_base {
 public:
  using message_type = Msg;

  /// Handles one message. Exceptions are caught and handed to the supervisor.
  virtual void on_message(Msg& message) = 0;

  /// This actor as a typed reference.
  actor_ref<Msg> self() const { return actor_ref<Msg>(detail::cell_ptr<>(cell())); }

  /// Replaces the handler for the following messages (until unbecome or restart).
  void become(std::function<void(Msg&)> behavior) {
    behavior_ = std::make_shared<std::function<void(Msg&)>>(std::move(behavior));
  }
  /// Returns to on_message.
  void unbecome() { behavior_.reset(); }

  /// Starts (or replaces) timer `key`: `message` arrives once after `delay`. False if the
  /// actor is stopping.
  bool start_single_timer(std::string key, Msg message, duration delay) {
    return start_timer(std::move(key), std::move(message), delay, false);
  }
  /// Starts (or replaces) timer `key`: `message` arrives every `interval` until cancelled.
  bool start_periodic_timer(std::string key, Msg message, duration interval) {
    return start_timer(std::move(key), std::move(message), interval, true);
  }

  /// Runtime-internal: delivers one message to the current behavior.
  void handle(Msg& message) {
    if (!behavior_) {
      on_message(message);
      return;
    }
    auto current = behavior_;  // stays alive if the behavior calls become() or unbecome()
    (*current)(message);
  }

 private:
  bool start_timer(std::string key, Msg message, duration period, bool periodic) {
    return cell()->start_timer(
        std::move(key), period.count(), periodic,
        [this, message = std::move(message)]() mutable {
          Msg copy = message;
          handle(copy);
        });
  }
  std::shared_ptr<std::function<void(Msg&)>> behavior_;
};

}  // namespace troupe
