// One actor's turn, lifecycle and supervision. See local_cell.hpp for the model: all state
// below changes only inside the actor's own turn, except the mailbox queues and flags.

#include "troupe/runtime/local_cell.hpp"

#include <algorithm>
#include <exception>
#include <typeinfo>

#include "troupe/runtime/actor.hpp"
#include "troupe/runtime/system.hpp"

namespace troupe::detail {
namespace {

/// Sets current_cell for the duration of a turn (turns of different systems may nest only
/// through direct calls, never through the scheduler, but restore anyway).
class turn_scope {
 public:
  explicit turn_scope(local_cell* cell) : previous_(current_cell) { current_cell = cell; }
  ~turn_scope() { current_cell = previous_; }

 private:
  local_cell* previous_;
};

std::string describe(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    return std::string(typeid(e).name()) + ": " + e.what();
  } catch (...) {
    return "unknown exception";
  }
}

bool is_internal(const message_type& type) {
  return &type == &message_type_of<continuation>() || &type == &message_type_of<timer_fired>();
}

}  // namespace

local_cell::local_cell(actor_system& system, local_cell* parent, std::uint64_t id,
                       std::string name, mailbox_options mailbox)
    : system_(system),
      parent_(parent),
      id_(id),
      name_(std::move(name)),
      overflow_(mailbox.overflow),
      capacity_(mailbox.capacity) {
  // Traced systems name the actor in every event: build the path once. It never changes.
  if (system_.sink() != nullptr) keep_path();
}

local_cell::~local_cell() {
  delete kept_path_.load(std::memory_order_acquire);
  TROUPE_ASSERT(instance_ == nullptr);
  TROUPE_ASSERT(first_child_ == nullptr);
  // Every enqueue after termination schedules a draining turn, so nothing is left here
  // unless the cell outlived its system (a timer holding it); free without the system.
  while (auto* node = user_queue_.pop()) delete static_cast<envelope*>(node);
  while (auto* node = system_queue_.pop()) delete static_cast<system_message*>(node);
}

std::string_view local_cell::node() const { return system_.node_name(); }

trace_sink* local_cell::sink() const { return system_.sink(); }

void local_cell::message_dropped(const envelope& message, drop_reason reason, bool rejected) {
  if (!rejected) return;  // dead letters are counted and traced, not reported to senders
  enqueue_system(new system_message(system_kind::undelivered, {}, std::string(message.type().name)));
}

std::string local_cell::path() const {
  const std::string* kept = kept_path_.load(std::memory_order_acquire);
  return kept != nullptr ? *kept : build_path();
}

void local_cell::keep_path() {
  if (kept_path_.load(std::memory_order_acquire) != nullptr) return;
  auto built = std::make_unique<const std::string>(build_path());
  const std::string* expected = nullptr;
  // Two threads may race to keep it; the loser frees its copy (both built the same path).
  if (kept_path_.compare_exchange_strong(expected, built.get(), std::memory_order_acq_rel))
    built.release();
}

std::string local_cell::build_path() const {
  if (parent_ == nullptr) return "/user";
  std::string segment = name_.empty() ? "$" + std::to_string(id_) : name_;
  return parent_->path() + "/" + segment;
}

local_cell::extras& local_cell::more() {
  if (!extras_) extras_ = std::make_unique<extras>();
  return *extras_;
}

// -- mailbox and scheduling ---------------------------------------------------------------

enqueue_status local_cell::enqueue(envelope* message) {
  if (closed_.load(std::memory_order_acquire)) {
    system_.drop(message, path(), drop_reason::dead_letter);
    return enqueue_status::dropped;
  }
  if (capacity_ != 0 && !admit(message)) return enqueue_status::dropped;
  user_queue_.push(message);
  schedule_if_idle();
  return enqueue_status::accepted;
}

bool local_cell::admit(envelope* message) {
  if (queued_.fetch_add(1, std::memory_order_acq_rel) < static_cast<std::int32_t>(capacity_))
    return true;
  if (overflow_ == overflow_policy::drop_oldest) {
    // Producers take the consumer's lock to remove the oldest message themselves, so the
    // queue never holds more than `capacity_` messages.
    while (consumer_lock_.test_and_set(std::memory_order_acquire)) {
    }
    queue_node* oldest = user_queue_.pop();
    consumer_lock_.clear(std::memory_order_release);
    if (oldest != nullptr) {
      queued_.fetch_sub(1, std::memory_order_acq_rel);
      system_.drop(static_cast<envelope*>(oldest), path(), drop_reason::mailbox_full);
    }
    return true;
  }
  queued_.fetch_sub(1, std::memory_order_acq_rel);
  system_.drop(message, path(), drop_reason::mailbox_full, overflow_ == overflow_policy::reject);
  return false;
}

queue_node* local_cell::pop_user() {
  if (capacity_ == 0) return user_queue_.pop();
  const bool locked = overflow_ == overflow_policy::drop_oldest;
  if (locked) {
    while (consumer_lock_.test_and_set(std::memory_order_acquire)) {
    }
  }
  queue_node* node = user_queue_.pop();
  if (locked) consumer_lock_.clear(std::memory_order_release);
  if (node != nullptr) queued_.fetch_sub(1, std::memory_order_acq_rel);
  return node;
}

void local_cell::enqueue_system(system_message* message) {
  system_queue_.push(message);
  schedule_if_idle();
}

void local_cell::schedule_if_idle() {
  if (scheduled_.load(std::memory_order_seq_cst)) return;
  if (scheduled_.exchange(true, std::memory_order_seq_cst)) return;
  add_ref();  // the platform's queue holds a reference until the turn ends
  system_.get_platform().schedule(*this);
}

void local_cell::start() {
  TROUPE_ASSERT(state_ == state::created);
  scheduled_.store(true, std::memory_order_seq_cst);
  add_ref();
  system_.get_platform().schedule(*this);
}

bool local_cell::has_work() const {
  if (!system_queue_.empty()) return true;
  const bool takes_user = state_ == state::running || state_ == state::terminated;
  return takes_user && !user_queue_.empty();
}

void local_cell::finish_turn() {
  for (;;) {
    // Still the owner of the turn here: the consumer side of the queues may be read.
    if (has_work()) {
      system_.get_platform().schedule(*this);  // keeps the reference taken when scheduled
      return;
    }
    const queue_node* const user_last = user_queue_.last_pushed();
    const queue_node* const system_last = system_queue_.last_pushed();
    scheduled_.store(false, std::memory_order_seq_cst);
    // From here another thread may run a turn: look only at what producers write. A
    // message pushed after the check above changed a queue's last node; its producer may
    // have seen the flag still set and left the scheduling to us.
    if (user_queue_.last_pushed() == user_last && system_queue_.last_pushed() == system_last)
      break;
    if (scheduled_.exchange(true, std::memory_order_seq_cst)) break;  // a producer did
  }
  release();  // may delete this
}

// -- the turn --------------------------------------------------------------------------------

void local_cell::run() {
  {
    turn_scope scope(this);
    if (state_ == state::created) {
      process_system_messages();  // a stop that came before the first turn wins
      if (state_ == state::created) create_and_start("pre_start");
    }
    // Read before the system messages: the guardian's last one may let the system go.
    std::uint32_t budget = system_.config().throughput;
    process_system_messages();
    while (state_ == state::running && budget-- > 0) {
      queue_node* node = pop_user();
      if (node == nullptr) break;
      handle_user(static_cast<envelope*>(node));
      if (!system_queue_.empty()) process_system_messages();
    }
    if (state_ == state::terminated) drain_dead_letters();
  }
  finish_turn();
}

void local_cell::process_system_messages() {
  while (auto* node = system_queue_.pop()) {
    std::unique_ptr<system_message> message(static_cast<system_message*>(node));
    handle_system(*message);
  }
}

void local_cell::handle_user(envelope* message) {
  std::unique_ptr<envelope> owned(message);
  if (system_.aborting()) return;  // a crashed node handles nothing more
  if (!accepts(message->type()) && !is_internal(message->type())) {
    system_.drop(owned.release(), path(), drop_reason::unknown_type);
    return;
  }
  if (auto* sink = system_.sink(); sink != nullptr && !is_internal(message->type())) {
    cell* from = message->sender();
    sink->on_deliver(*message, from ? from->node() : node(), from ? from->path() : "", path());
  }
  current_ = message;
  try {
    if (&message->type() == &message_type_of<continuation>()) {
      static_cast<continuation*>(message->payload())->run();
    } else if (&message->type() == &message_type_of<timer_fired>()) {
      handle_timer(*static_cast<timer_fired*>(message->payload()));
    } else {
      dispatch(*message);
    }
  } catch (...) {
    current_ = nullptr;
    fail(describe(std::current_exception()));
    return;
  }
  current_ = nullptr;
  if (failure_requested_) {
    failure_requested_ = false;
    fail(std::exchange(more().pending_failure, {}));
  } else if (stop_requested_) {
    stop_requested_ = false;
    begin_stop("stopped");
  }
}

void local_cell::create_and_start(const char* hook) {
  if (system_.aborting()) {  // never constructed: nothing to run
    state_ = state::running;
    begin_stop("aborted");
    return;
  }
  try {
    instance_ = create_instance();
    instance_->pre_start();
  } catch (...) {
    state_ = state::running;  // so that fail() applies
    fail(std::string(hook) + " failed: " + describe(std::current_exception()));
    return;
  }
  state_ = state::running;
  if (stop_requested_) {
    stop_requested_ = false;
    begin_stop("stopped");
  }
}

// -- system messages ----------------------------------------------------------------------

void local_cell::handle_system(system_message& message) {
  cell* subject = message.subject.get();
  switch (message.kind) {
    case system_kind::watch:
      if (state_ == state::terminated) {
        subject->enqueue_system(new system_message(system_kind::terminated, cell_ptr<>(this)));
      } else {
        auto& watchers = more().watchers;
        if (std::find(watchers.begin(), watchers.end(), message.subject) == watchers.end())
          watchers.push_back(message.subject);
      }
      break;
    case system_kind::unwatch:
      remove_watcher(subject);
      break;
    case system_kind::terminated: {
      if (!extras_) break;
      auto& watching = extras_->watching;
      auto found = std::find(watching.begin(), watching.end(), message.subject);
      if (found == watching.end()) break;  // unwatched meanwhile, or a duplicate notice
      watching.erase(found);
      if (instance_ != nullptr && state_ != state::terminated && !system_.aborting()) {
        try {
          instance_->on_terminated(troupe::terminated{any_ref(message.subject)});
        } catch (...) {
          fail(describe(std::current_exception()));
        }
      }
      break;
    }
    case system_kind::child_failed:
      on_child_failed(static_cast<local_cell&>(*subject), message.reason);
      break;
    case system_kind::child_terminated:
      on_child_terminated(static_cast<local_cell&>(*subject));
      break;
    case system_kind::stop:
      begin_stop(message.reason.empty() ? "stopped" : message.reason);
      break;
    case system_kind::resume:
      if (state_ == state::suspended) state_ = state::running;
      for (local_cell* child = first_child_; child; child = child->next_sibling_)
        child->enqueue_system(new system_message(system_kind::resume, {}));
      break;
    case system_kind::restart:
      if (state_ == state::running || state_ == state::suspended)
        begin_restart(message.reason);
      break;
    case system_kind::undelivered:
      if (instance_ != nullptr && state_ != state::terminated) {
        try {
          instance_->on_undelivered(troupe::undelivered{any_ref(message.subject), message.reason});
        } catch (...) {
          fail(describe(std::current_exception()));
        }
      }
      break;
  }
}

void local_cell::remove_watcher(cell* watcher) {
  if (!extras_) return;
  auto& watchers = extras_->watchers;
  watchers.erase(std::remove_if(watchers.begin(), watchers.end(),
                                [&](const cell_ptr<>& w) { return w.get() == watcher; }),
                 watchers.end());
}

void local_cell::watch(cell* target) {
  if (target == nullptr || target == this) return;
  auto& watching = more().watching;
  cell_ptr<> ref(target);
  if (std::find(watching.begin(), watching.end(), ref) != watching.end()) return;
  watching.push_back(ref);
  target->enqueue_system(new system_message(system_kind::watch, cell_ptr<>(this)));
}

void local_cell::unwatch(cell* target) {
  if (target == nullptr || !extras_) return;
  auto& watching = extras_->watching;
  auto found = std::find(watching.begin(), watching.end(), cell_ptr<>(target));
  if (found == watching.end()) return;
  watching.erase(found);
  target->enqueue_system(new system_message(system_kind::unwatch, cell_ptr<>(this)));
}

// -- children ---------------------------------------------------------------------------------

void local_cell::link_child(local_cell* child) {
  child->add_ref();
  child->next_sibling_ = first_child_;
  if (first_child_ != nullptr) first_child_->previous_sibling_ = child;
  first_child_ = child;
}

std::vector<cell_ptr<local_cell>> local_cell::children() const {
  auto guard = guard_children();
  std::vector<cell_ptr<local_cell>> out;
  for (local_cell* child = first_child_; child; child = child->next_sibling_)
    out.emplace_back(child);
  std::reverse(out.begin(), out.end());  // spawn order
  return out;
}

std::unique_lock<std::mutex> local_cell::guard_children() const {
  // Top-level actors are spawned from any thread into the guardian's list: guard it.
  if (parent_ == nullptr) return std::unique_lock<std::mutex>(system_.guardian_children_mutex());
  return {};
}

void local_cell::on_child_terminated(local_cell& child) {
  auto guard = guard_children();
  if (child.previous_sibling_ != nullptr) child.previous_sibling_->next_sibling_ = child.next_sibling_;
  if (child.next_sibling_ != nullptr) child.next_sibling_->previous_sibling_ = child.previous_sibling_;
  if (first_child_ == &child) first_child_ = child.next_sibling_;
  child.next_sibling_ = child.previous_sibling_ = nullptr;
  child.release();  // the reference taken in link_child
  if (first_child_ != nullptr) return;
  if (guard.owns_lock()) guard.unlock();
  if (state_ == state::stopping) finish_stop();
  else if (state_ == state::restarting) complete_restart();
}

void local_cell::stop_children(const char* reason) {
  auto guard = guard_children();
  for (local_cell* child = first_child_; child; child = child->next_sibling_)
    child->enqueue_system(new system_message(system_kind::stop, {}, reason));
}

}  // namespace troupe::detail

// -- failure and supervision -----------------------------------------------------------------

namespace troupe::detail {

void local_cell::fail(std::string reason) {
  if (state_ == state::stopping || state_ == state::terminated) return;
  state_ = state::suspended;
  if (auto* sink = system_.sink()) sink->on_crash(path(), reason);
  if (parent_ == nullptr) {  // the guardian never fails; stop instead
    begin_stop("failed");
    return;
  }
  parent_->enqueue_system(new system_message(system_kind::child_failed, cell_ptr<>(this),
                                             std::move(reason)));
}

void local_cell::on_child_failed(local_cell& child, const std::string& reason) {
  if (state_ == state::stopping || state_ == state::terminated || instance_ == nullptr) {
    child.enqueue_system(new system_message(system_kind::stop, {}, "failed"));
    return;
  }
  const supervisor_strategy strategy = instance_->supervision();
  const failure what{reason, nullptr};
  directive decision = strategy.decide(what);
  if (decision == directive::escalate && parent_ == nullptr) decision = directive::stop;
  std::vector<local_cell*> targets;
  if (strategy.scope == supervision_scope::all_for_one && decision != directive::resume) {
    for (local_cell* c = first_child_; c; c = c->next_sibling_) targets.push_back(c);
  } else {
    targets.push_back(&child);
  }
  switch (decision) {
    case directive::resume:
      child.enqueue_system(new system_message(system_kind::resume, {}));
      break;
    case directive::restart:
      for (local_cell* target : targets) restart_child(*target, strategy);
      break;
    case directive::stop:
      for (local_cell* target : targets)
        target->enqueue_system(new system_message(system_kind::stop, {}, "failed"));
      break;
    case directive::escalate:
      fail(reason);
      break;
  }
}

void local_cell::restart_child(local_cell& child, const supervisor_strategy& strategy) {
  const std::int64_t now = system_.get_platform().now_ns();
  if (child.restart_count_ == 0 || now - child.restart_window_start_ns_ > strategy.restart_window_ns) {
    child.restart_window_start_ns_ = now;
    child.restart_count_ = 0;
  }
  ++child.restart_count_;
  if (strategy.max_restarts >= 0 && child.restart_count_ > strategy.max_restarts) {
    child.enqueue_system(new system_message(system_kind::stop, {}, "restart limit exceeded"));
    if (strategy.limit_action == on_restart_limit::escalate)
      fail("child " + child.path() + " exceeded its restart limit");
    return;
  }
  std::int64_t delay_ns = 0;
  if (strategy.backoff_min_ns > 0) {
    const int doublings = std::min(child.restart_count_ - 1, 40);
    const long double raw = static_cast<long double>(strategy.backoff_min_ns) * (1LL << std::min(doublings, 62));
    delay_ns = static_cast<std::int64_t>(std::min<long double>(raw, strategy.backoff_max_ns > 0 ? strategy.backoff_max_ns : raw));
    if (strategy.backoff_random_factor > 0) {
      const double unit = static_cast<double>(system_.get_platform().random_u64() >> 11) * 0x1.0p-53;
      delay_ns += static_cast<std::int64_t>(static_cast<double>(delay_ns) * strategy.backoff_random_factor * unit);
    }
  }
  if (delay_ns == 0) {
    child.enqueue_system(new system_message(system_kind::restart, {}));
    return;
  }
  cell_ptr<> target(&child);
  system_.get_platform().start_timer(delay_ns, [target] {
    target->enqueue_system(new system_message(system_kind::restart, {}));
  });
}

void local_cell::begin_restart(std::string reason) {
  if (system_.aborting()) return;
  if (auto* sink = system_.sink()) sink->on_restart(path(), reason);
  const failure what{reason, nullptr};
  if (instance_ != nullptr) {
    try {
      instance_->pre_restart(what);
    } catch (...) {
      // A failing pre_restart does not prevent the restart (as in Akka).
    }
  }
  cancel_all_timers();
  more().restart_reason = std::move(reason);
  if (first_child_ != nullptr) {
    state_ = state::restarting;
    stop_children("parent_restarted");
    return;
  }
  complete_restart();
}

void local_cell::complete_restart() {
  destroy_instance();
  instance_ = nullptr;
  const failure what{std::exchange(more().restart_reason, {}), nullptr};
  try {
    instance_ = create_instance();
    state_ = state::running;
    instance_->post_restart(what);
  } catch (...) {
    state_ = state::running;
    fail("restart failed: " + describe(std::current_exception()));
  }
}

// -- stopping -----------------------------------------------------------------------------------

void local_cell::begin_stop(std::string reason) {
  if (state_ == state::stopping || state_ == state::terminated) return;
  // An actor stopped before its first turn was never constructed: its hooks do not run
  // (finish_stop skips them without an instance), but its children, if any, still stop first.
  state_ = state::stopping;
  more().stop_reason = std::move(reason);
  cancel_all_timers();
  bool childless;
  {
    auto guard = guard_children();
    childless = first_child_ == nullptr;
  }
  if (childless) {
    finish_stop();
    return;
  }
  stop_children("parent_stopped");
}

void local_cell::finish_stop() {
  if (instance_ != nullptr && system_.aborting()) {
    destroy_instance();  // a crash: no hook runs
    instance_ = nullptr;
  }
  if (instance_ != nullptr) {
    try {
      instance_->post_stop();
    } catch (...) {
      // post_stop must not prevent the stop; the failure is logged in the trace.
      if (auto* sink = system_.sink()) sink->on_log(path(), "error", "post_stop threw");
    }
    destroy_instance();
    instance_ = nullptr;
  }
  state_ = state::terminated;
  closed_.store(true, std::memory_order_release);
  const std::string reason = std::exchange(more().stop_reason, {});
  if (auto* sink = system_.sink()) sink->on_stop(path(), reason);
  if (!name_.empty()) system_.unregister_name(name_, this);
  for (auto& watcher : extras_->watchers)
    watcher->enqueue_system(new system_message(system_kind::terminated, cell_ptr<>(this)));
  extras_->watchers.clear();
  for (auto& target : extras_->watching)
    target->enqueue_system(new system_message(system_kind::unwatch, cell_ptr<>(this)));
  extras_->watching.clear();
  drain_dead_letters();
  if (parent_ != nullptr) {
    parent_->enqueue_system(new system_message(system_kind::child_terminated, cell_ptr<>(this)));
  } else {
    system_.guardian_terminated();
  }
}

void local_cell::drain_dead_letters() {
  while (queue_node* node = pop_user())
    system_.drop(static_cast<envelope*>(node), path(), drop_reason::dead_letter);
}

// -- timers --------------------------------------------------------------------------------------

bool local_cell::start_timer(std::string key, std::int64_t delay_ns, bool periodic,
                             std::function<void()> deliver) {
  TROUPE_ASSERT(delay_ns >= 0);
  if (state_ == state::stopping || state_ == state::terminated) return false;
  cancel_timer(key);
  auto& state = more();
  const std::uint64_t generation = ++state.timer_generation;
  timer_entry entry;
  entry.generation = generation;
  entry.periodic = periodic;
  entry.interval_ns = delay_ns;
  entry.deliver = std::move(deliver);
  cell_ptr<> self(this);
  entry.platform_id = system_.get_platform().start_timer(delay_ns, [self, key, generation] {
    send_value(self.get(), nullptr, timer_fired{key, generation});
  });
  state.timers.insert_or_assign(std::move(key), std::move(entry));
  return true;
}

bool local_cell::cancel_timer(const std::string& key) {
  if (!extras_) return false;
  auto found = extras_->timers.find(key);
  if (found == extras_->timers.end()) return false;
  system_.get_platform().cancel_timer(found->second.platform_id);
  extras_->timers.erase(found);
  return true;
}

bool local_cell::timer_active(const std::string& key) const {
  return extras_ && extras_->timers.count(key) != 0;
}

void local_cell::cancel_all_timers() {
  if (!extras_) return;
  for (auto& [key, entry] : extras_->timers) system_.get_platform().cancel_timer(entry.platform_id);
  extras_->timers.clear();
}

void local_cell::handle_timer(const timer_fired& fired) {
  if (!extras_) return;
  auto found = extras_->timers.find(fired.key);
  // A fire of a cancelled or replaced timer may still be queued: ignore it.
  if (found == extras_->timers.end() || found->second.generation != fired.generation) return;
  if (auto* sink = system_.sink()) sink->on_timer(path(), fired.key);
  // The handler may cancel or replace this very timer, which destroys its entry: it runs
  // from a function moved out of the entry (a copy would allocate at every periodic fire).
  std::function<void()> deliver = std::move(found->second.deliver);
  if (!found->second.periodic) {
    extras_->timers.erase(found);
    deliver();
    return;
  }
  cell_ptr<> self(this);
  found->second.platform_id = system_.get_platform().start_timer(
      found->second.interval_ns, [self, key = fired.key, generation = fired.generation] {
        send_value(self.get(), nullptr, timer_fired{key, generation});
      });
  // Back into the entry afterwards, even when the handler throws (the actor may be resumed),
  // unless the handler cancelled or replaced the timer meanwhile.
  struct put_back {
    local_cell& cell;
    const timer_fired& fired;
    std::function<void()>& deliver;
    ~put_back() {
      auto kept = cell.extras_->timers.find(fired.key);
      if (kept != cell.extras_->timers.end() && kept->second.generation == fired.generation)
        kept->second.deliver = std::move(deliver);
    }
  } restore{*this, fired, deliver};
  deliver();
}

}  // namespace troupe::detail
