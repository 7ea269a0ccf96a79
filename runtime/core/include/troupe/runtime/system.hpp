#pragma once
/// The actor system: one per node (pod). Owns the guardian of all user actors, the registry
/// of named actors and the dead-letter count, and runs on a platform.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "troupe/runtime/actor.hpp"
#include "troupe/runtime/ask.hpp"
#include "troupe/runtime/platform.hpp"
#include "troupe/runtime/remote.hpp"
#include "troupe/runtime/result.hpp"
#include "troupe/runtime/trace.hpp"

namespace troupe {

/// Configuration of an actor system.
struct system_config {
  std::string node_name = "local";  ///< the node (pod) name in traces and remote addresses
  trace_sink* trace = nullptr;      ///< where runtime events go; nullptr: not traced
  std::uint32_t throughput = 300;   ///< user messages an actor handles per turn at most
  supervisor_strategy guardian_strategy = default_strategy();  ///< for top-level actors
};

namespace detail {

/// A local cell that owns an actor of type A, constructed from a copy of `Args`, so that a
/// restart builds a fresh instance from the same arguments.
template <class A, class... Args>
class actor_cell final : public local_cell {
 public:
  using Msg = typename A::message_type;
  template <class... Given>
  actor_cell(actor_system& system, local_cell* parent, std::uint64_t id, std::string name,
             mailbox_options mailbox, Given&&... given)
      : local_cell(system, parent, id, std::move(name), mailbox),
        arguments_(std::forward<Given>(given)...) {}
  ~actor_cell() override { TROUPE_ASSERT(!storage_.has_value()); }

  bool accepts(const message_type& type) const override { return accepts_type<Msg>(type); }
  envelope* decode_message(std::string_view type_name,
                           std::span<const std::byte> payload) override {
    return decode_message_as<Msg>(type_name, payload);
  }

 protected:
  actor_base* create_instance() override {
    TROUPE_ASSERT(!storage_.has_value());
    constructing_cell = this;
    std::apply([&](const auto&... a) { storage_.emplace(a...); }, arguments_);
    constructing_cell = nullptr;
    return &*storage_;
  }
  void destroy_instance() override { storage_.reset(); }
  void dispatch(envelope& message) override {
    if (&message.type() == &message_type_of<Msg>()) {
      storage_->handle(*static_cast<Msg*>(message.payload()));
      return;
    }
    auto value = take_as<Msg>(message);
    TROUPE_ASSERT(value.has_value());  // checked by accepts() before dispatch
    storage_->handle(*value);
  }

 private:
  std::tuple<std::decay_t<Args>...> arguments_;
  std::optional<A> storage_;
};

}  // namespace detail

/// A system of actors on one node. Thread-safe unless noted.
class actor_system {
 public:
  explicit actor_system(platform& platform, system_config config = {});
  /// Stops every actor (see shutdown) and waits for it when the platform has threads.
  ~actor_system();
  actor_system(const actor_system&) = delete;
  actor_system& operator=(const actor_system&) = delete;

  /// Spawns a top-level anonymous actor of type A constructed from `args` (copied, so that a
  /// restart can construct it again). During shutdown the actor is stopped at once and
  /// messages to it are dead letters.
  template <class A, class... Args>
  actor_ref<typename A::message_type> spawn(Args&&... args) {
    return spawn_child<A>(nullptr, spawn_options{}, std::forward<Args>(args)...).value();
  }
  /// Spawns a top-level actor with options. Fails with duplicate_name when the name is taken.
  template <class A, class... Args>
  result<actor_ref<typename A::message_type>> spawn_with(spawn_options options, Args&&... args) {
    return spawn_child<A>(nullptr, std::move(options), std::forward<Args>(args)...);
  }

  /// The actor registered as `name`, if it exists and accepts `Msg`.
  template <class Msg>
  std::optional<actor_ref<Msg>> lookup(const std::string& name) {
    auto found = lookup_any(name);
    if (!found || !found->cell()->accepts(message_type_of<Msg>())) return std::nullopt;
    return actor_ref<Msg>(detail::cell_ptr<>(found->cell()));
  }
  /// The actor registered as `name`, untyped.
  std::optional<any_ref> lookup_any(const std::string& name);

  /// Asks from outside any actor: sends `question` and returns the future reply of type R.
  template <class R, class Msg, class U>
  reply_future<R> ask(const actor_ref<Msg>& target, U&& question, duration timeout) {
    auto* cell = new detail::ask_cell<R>(platform_, config_.node_name, config_.trace, next_id());
    auto future = reply_future<R>(detail::cell_ptr<detail::ask_cell<R>>::adopt(cell));
    cell->arm(timeout.count());
    detail::send_value(target.cell(), cell, std::forward<U>(question));
    return future;
  }

  /// Starts a graceful shutdown: every actor stops, children before parents, post_stop
  /// hooks run. Returns at once; see await_termination.
  void shutdown();
  /// Stops every actor as a crash would: no further message is handled, no hook runs
  /// (post_stop, on_terminated ...), queued messages vanish. For simulated pod kills.
  void abort();
  /// True after abort().
  bool aborting() const { return aborting_.load(std::memory_order_acquire); }
  /// Blocks until every actor has stopped. Only with a threaded platform.
  void await_termination();
  /// True once shutdown completed.
  bool terminated() const { return terminated_.load(std::memory_order_acquire); }

  /// Messages that could not be delivered (to dead actors, full mailboxes, ...).
  std::uint64_t dead_letters() const { return dead_letters_.load(std::memory_order_relaxed); }

  // -- remote actors --------------------------------------------------------------------
  /// Connects this system to other nodes. Call once, before remote refs are used; the
  /// transport must outlive the system.
  void attach_transport(transport& t);
  /// A reference to the actor at `path` on `node` ("kv-1", "/user/store"); on this node it is
  /// the local actor when it exists.
  template <class Msg>
  actor_ref<Msg> remote_ref(std::string_view node, std::string_view path) {
    any_ref target = remote_ref_any(node, path);
    return actor_ref<Msg>(detail::cell_ptr<>(target.cell()));
  }
  any_ref remote_ref_any(std::string_view node, std::string_view path);
  /// Hands a user message that arrived from `from_node` to its receiver. Any thread.
  void deliver_inbound(std::string_view from_node, wire::user_envelope&& message);
  /// The same for an envelope decoded in place; its bytes need to live only for the call.
  void deliver_inbound(std::string_view from_node, const wire::user_envelope_view& message);
  /// The same for one message of a stream (one connection's messages, in order): `cache`
  /// remembers the receiver and sender of the last one (see inbound_cache). Any thread, one
  /// at a time per cache.
  void deliver_inbound(std::string_view from_node, const wire::user_envelope_view& message,
                       inbound_cache& cache);
  /// Hands a death-watch notice that arrived from `from_node` to the runtime. Any thread.
  void deliver_inbound_system(std::string_view from_node, wire::system_envelope&& message);
  /// `node` left or was declared unreachable: watchers of its actors get `terminated`.
  void node_down(std::string_view node);
  detail::remoting& remote() { return *remoting_; }

  platform& get_platform() const { return platform_; }
  const system_config& config() const { return config_; }
  trace_sink* sink() const { return config_.trace; }
  const std::string& node_name() const { return config_.node_name; }

  // -- runtime-internal ---------------------------------------------------------------
  std::uint64_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  template <class A, class... Args>
  result<actor_ref<typename A::message_type>> spawn_child(detail::local_cell* parent,
                                                          spawn_options options, Args&&... args);
  /// Counts and traces an undeliverable message, tells its sender, and deletes it.
  void drop(envelope* message, std::string_view to, drop_reason reason, bool rejected = false,
            std::string_view to_node = {});
  void unregister_name(const std::string& name, detail::local_cell* cell);
  void guardian_terminated();
  std::mutex& guardian_children_mutex() { return mutex_; }

 private:
  bool register_name(const std::string& name, detail::local_cell* cell);
  void start_cell(detail::local_cell* cell, detail::local_cell* parent, bool named);
  /// The sender of an inbound message (one reference, owned by the caller): on the
  /// envelope's sender_node when it names one (a forwarded message), else on `from_node`.
  detail::cell* inbound_sender(std::string_view from_node, const wire::user_envelope_view& message);
  /// Decodes `message` for `target` (empty: unknown path) and enqueues or drops it; the
  /// sender (one reference, or nullptr) comes from `sender()`, called once.
  template <class SenderFunction>
  void deliver_resolved(const detail::cell_ptr<>& target, const wire::user_envelope_view& message,
                        SenderFunction&& sender);

  platform& platform_;
  system_config config_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> dead_letters_{0};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> terminated_{false};
  std::atomic<bool> aborting_{false};
  std::mutex mutex_;  // guards the guardian's children list
  std::mutex names_mutex_;
  std::mutex terminated_mutex_;
  std::condition_variable terminated_signal_;
  std::map<std::string, detail::cell_ptr<detail::local_cell>> names_;
  detail::local_cell* guardian_ = nullptr;
  std::unique_ptr<detail::remoting> remoting_;
};

// -- templates declared above ------------------------------------------------------------

template <class A, class... Args>
result<actor_ref<typename A::message_type>> actor_system::spawn_child(detail::local_cell* parent,
                                                                      spawn_options options,
                                                                      Args&&... args) {
  const bool named = !options.name.empty();
  const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  auto* cell = new detail::actor_cell<A, Args...>(*this, parent ? parent : guardian_, id,
                                                  std::move(options.name), options.mailbox,
                                                  std::forward<Args>(args)...);
  if (named && !register_name(cell->name(), cell)) {
    const std::string taken = cell->name();
    cell->release();
    return error{error_code::duplicate_name, "an actor named '" + taken + "' already exists"};
  }
  actor_ref<typename A::message_type> ref{detail::cell_ptr<>(cell)};
  start_cell(cell, parent ? parent : guardian_, named);
  return ref;
}

template <class A, class... Args>
actor_ref<typename A::message_type> actor_base::spawn(Args&&... args) {
  return spawn_with<A>(spawn_options{}, std::forward<Args>(args)...).value();
}

template <class A, class... Args>
result<actor_ref<typename A::message_type>> actor_base::spawn_with(spawn_options options,
                                                                   Args&&... args) {
  return system().spawn_child<A>(cell(), std::move(options), std::forward<Args>(args)...);
}

template <class R, class Msg, class U>
void actor_base::ask(const actor_ref<Msg>& target, U&& question, duration timeout,
                     std::function<void(result<R>)> on_reply) {
  auto& sys = system();
  auto* asker = new detail::ask_cell<R>(sys.get_platform(), sys.node_name(), sys.sink(), sys.next_id());
  auto holder = detail::cell_ptr<detail::ask_cell<R>>::adopt(asker);
  detail::cell_ptr<> me(cell());
  asker->set_continuation([me, on_reply = std::move(on_reply)](result<R> outcome) mutable {
    // Runs the callback inside this actor's turn, like any other message.
    auto run = [on_reply = std::move(on_reply), outcome = std::move(outcome)]() mutable {
      on_reply(std::move(outcome));
    };
    detail::send_value(me.get(), nullptr, detail::continuation{std::move(run)});
  });
  asker->arm(timeout.count());
  detail::send_value(target.cell(), asker, std::forward<U>(question));
}

template <class R>
void detail::ask_cell<R>::enqueue_system(system_message* message) {
  if (message->kind == system_kind::undelivered)
    complete(error{error_code::mailbox_full, "ask rejected by a full mailbox"});
  delete message;
}

}  // namespace troupe
