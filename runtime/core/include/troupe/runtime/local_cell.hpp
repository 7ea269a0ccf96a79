#pragma once
/// The runtime's record of one local actor: mailbox, scheduling state, lifecycle,
/// supervision, children, watchers and timers. Users see it only through actor_base and refs.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/runtime/cell_ptr.hpp"
#include "troupe/runtime/mailbox_queue.hpp"
#include "troupe/runtime/platform.hpp"
#include "troupe/runtime/supervision.hpp"
#include "troupe/runtime/trace.hpp"

namespace troupe {

class actor_system;
class actor_base;

/// What a full bounded mailbox does with a new message.
enum class overflow_policy : std::uint8_t {
  drop_newest,  ///< the new message is dropped (traced as mailbox_full)
  drop_oldest,  ///< the oldest queued message is dropped to make room
  reject,       ///< the new message is dropped and its sender is told (on_undelivered / ask error)
};

/// Mailbox configuration of one actor. capacity 0 means unbounded (the default).
struct mailbox_options {
  std::uint32_t capacity = 0;
  overflow_policy overflow = overflow_policy::drop_newest;
};

/// Options for spawning an actor.
struct spawn_options {
  std::string name;  ///< registered name; empty: anonymous
  mailbox_options mailbox;
};

namespace detail {

/// Runtime-internal messages, processed before user messages.
enum class system_kind : std::uint8_t {
  watch,             ///< subject wants a `terminated` when this actor stops
  unwatch,           ///< subject no longer wants it
  terminated,        ///< subject (which this actor watched) has stopped
  child_failed,      ///< subject, a child, failed with `reason`
  child_terminated,  ///< subject, a child, has stopped
  stop,              ///< stop this actor (reason in `reason`)
  resume,            ///< the supervisor resumes this actor
  restart,           ///< the supervisor restarts this actor
  undelivered,       ///< a message this actor sent was rejected; `reason` names its type
};

struct system_message : queue_node {
  system_message(system_kind k, cell_ptr<> s, std::string r = {})
      : kind(k), subject(std::move(s)), reason(std::move(r)) {}
  system_kind kind;
  cell_ptr<> subject;
  std::string reason;
};

/// A function to run inside the actor's turn (ask continuations).
struct continuation {
  std::function<void()> run;
};

/// A timer of the actor fired; delivered as a message so it runs in the actor's turn.
struct timer_fired {
  std::string key;
  std::uint64_t generation;
};

/// The running actor cell on this thread, or nullptr outside actor turns.
inline thread_local class local_cell* current_cell = nullptr;
/// The cell whose actor instance is being constructed on this thread (read by actor_base()).
inline thread_local class local_cell* constructing_cell = nullptr;

/// One actor. Its state changes only inside its own turn (`run`), except the lock-free
/// mailbox queues and the scheduling flag, which any thread may touch.
class local_cell : public cell, public runnable {
 public:
  local_cell(actor_system& system, local_cell* parent, std::uint64_t id, std::string name,
             mailbox_options mailbox);

  // cell
  enqueue_status enqueue(envelope* message) override;
  void enqueue_system(system_message* message) override;
  std::string path() const override;
  void keep_path() override;
  std::string_view node() const override;
  trace_sink* sink() const override;
  void message_dropped(const envelope& message, drop_reason reason, bool rejected) override;

  // runnable: one turn of the actor.
  void run() override;

  /// Schedules the first turn (which constructs the instance and runs pre_start).
  void start();

  actor_system& system() const { return system_; }
  std::uint64_t id() const { return id_; }
  const std::string& name() const { return name_; }
  local_cell* parent() const { return parent_.get(); }
  /// True once the actor has stopped for good. Any thread.
  bool terminated() const { return closed_.load(std::memory_order_acquire); }
  bool expired() const override { return terminated(); }

  // -- operations for the actor's own turn (called through actor_base) ----------------
  envelope* current_message() const { return current_; }
  void link_child(local_cell* child);
  void request_stop() { stop_requested_ = true; }
  void request_failure(std::string reason) {
    more().pending_failure = std::move(reason);
    failure_requested_ = true;
  }
  void watch(cell* target);
  void unwatch(cell* target);
  bool start_timer(std::string key, std::int64_t delay_ns, bool periodic,
                   std::function<void()> deliver);
  bool cancel_timer(const std::string& key);
  bool timer_active(const std::string& key) const;
  std::vector<cell_ptr<local_cell>> children() const;

 protected:
  ~local_cell() override;
  /// Constructs the user's actor object (throws what its constructor throws).
  virtual actor_base* create_instance() = 0;
  virtual void destroy_instance() = 0;
  /// Hands a user message to the instance (throws what the handler throws).
  virtual void dispatch(envelope& message) = 0;

  actor_base* instance_ = nullptr;

 private:
  enum class state : std::uint8_t { created, running, suspended, restarting, stopping, terminated };

  struct timer_entry {
    timer_id platform_id = 0;
    std::uint64_t generation = 0;
    bool periodic = false;
    std::int64_t interval_ns = 0;
    std::function<void()> deliver;
  };
  /// Rarely used state, allocated on first use to keep idle actors small.
  struct extras {
    std::vector<cell_ptr<>> watchers;  // actors to tell when this one stops
    std::vector<cell_ptr<>> watching;  // actors this one watches
    std::map<std::string, timer_entry> timers;
    std::uint64_t timer_generation = 0;
    std::string restart_reason;
    std::string stop_reason;
    std::string pending_failure;
  };
  extras& more();

  void schedule_if_idle();
  void finish_turn();
  bool has_work() const;
  bool admit(envelope* message);
  queue_node* pop_user();
  void process_system_messages();
  void handle_system(system_message& message);
  void handle_user(envelope* message);
  void handle_timer(const timer_fired& fired);
  void create_and_start(const char* hook_failure_reason);
  void fail(std::string reason);
  void on_child_failed(local_cell& child, const std::string& reason);
  void restart_child(local_cell& child, const supervisor_strategy& strategy);
  void on_child_terminated(local_cell& child);
  void begin_restart(std::string reason);
  void complete_restart();
  void begin_stop(std::string reason);
  void finish_stop();
  void drain_dead_letters();
  void cancel_all_timers();
  void stop_children(const char* reason);
  std::unique_lock<std::mutex> guard_children() const;
  std::string build_path() const;
  void remove_watcher(cell* watcher);
  void trace_drop(envelope& message, drop_reason reason);

  actor_system& system_;
  cell_ptr<local_cell> parent_;
  const std::uint64_t id_;
  const std::string name_;
  std::atomic<bool> scheduled_{false};
  std::atomic<bool> closed_{false};
  state state_ = state::created;
  bool stop_requested_ = false;
  bool failure_requested_ = false;
  overflow_policy overflow_;
  std::uint32_t capacity_;
  std::atomic<std::int32_t> queued_{0};           // bounded mailboxes only
  std::atomic_flag consumer_lock_ = ATOMIC_FLAG_INIT;  // drop_oldest mailboxes only
  // Supervision bookkeeping of this actor as a child; touched only by the parent's turn.
  std::int32_t restart_count_ = 0;
  std::int64_t restart_window_start_ns_ = 0;
  // Children form an intrusive list; the parent holds one reference to each linked child.
  local_cell* first_child_ = nullptr;
  local_cell* next_sibling_ = nullptr;
  local_cell* previous_sibling_ = nullptr;
  envelope* current_ = nullptr;
  std::unique_ptr<extras> extras_;
  // The path, once built for keeps: at construction when traced, at the first export
  // otherwise. Set once (compare-exchange), freed with the cell; readers on any thread.
  std::atomic<const std::string*> kept_path_{nullptr};
  mpsc_queue user_queue_;
  mpsc_queue system_queue_;
};

}  // namespace detail
}  // namespace troupe
