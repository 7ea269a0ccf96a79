#include "troupe/runtime/system.hpp"

namespace troupe {
namespace {

/// The actor at /user: parent of every top-level actor; supervises with the configured
/// strategy.
class guardian final : public actor<detail::continuation> {
 public:
  explicit guardian(supervisor_strategy strategy) : strategy_(std::move(strategy)) {}
  void on_message(detail::continuation&) override {}
  supervisor_strategy supervision() const override { return strategy_; }

 private:
  supervisor_strategy strategy_;
};

}  // namespace

actor_system::actor_system(platform& platform, system_config config)
    : platform_(platform),
      config_(std::move(config)),
      remoting_(std::make_unique<detail::remoting>(*this)) {
  auto* cell = new detail::actor_cell<guardian, supervisor_strategy>(
      *this, nullptr, 0, std::string(), mailbox_options{}, config_.guardian_strategy);
  guardian_ = cell;
  cell->start();
}

actor_system::~actor_system() {
  shutdown();
  // With a threaded platform, wait for the actors; with a manual or simulated platform the
  // owner must have run it until the system terminated (otherwise cells would leak).
  await_termination();
  guardian_->release();
}

void actor_system::start_cell(detail::local_cell* cell, detail::local_cell* parent, bool named) {
  if (auto* sink = config_.trace) sink->on_spawn(cell->path(), parent->path());
  if (parent == guardian_) {
    std::lock_guard lock(mutex_);
    parent->link_child(cell);
  } else {
    parent->link_child(cell);
  }
  cell->start();
  if (parent == guardian_ && shutting_down_.load(std::memory_order_acquire)) {
    cell->enqueue_system(new detail::system_message(detail::system_kind::stop, {}, "shutdown"));
  }
  cell->release();  // the parent's list and the caller's ref hold it now
}

bool actor_system::register_name(const std::string& name, detail::local_cell* cell) {
  std::lock_guard lock(names_mutex_);
  return names_.emplace(name, detail::cell_ptr<detail::local_cell>(cell)).second;
}

void actor_system::unregister_name(const std::string& name, detail::local_cell* cell) {
  std::lock_guard lock(names_mutex_);
  auto found = names_.find(name);
  if (found != names_.end() && found->second.get() == cell) names_.erase(found);
}

std::optional<any_ref> actor_system::lookup_any(const std::string& name) {
  std::lock_guard lock(names_mutex_);
  auto found = names_.find(name);
  if (found == names_.end()) return std::nullopt;
  return any_ref(detail::cell_ptr<>(found->second.get()));
}

void actor_system::drop(envelope* message, std::string_view to, drop_reason reason,
                        bool rejected, std::string_view to_node) {
  dead_letters_.fetch_add(1, std::memory_order_relaxed);
  detail::cell* from = message->sender();
  if (auto* sink = config_.trace) {
    sink->on_drop(*message, from ? from->node() : config_.node_name, from ? from->path() : "",
                  to_node.empty() ? std::string_view(config_.node_name) : to_node, to, reason);
  }
  if (from != nullptr) from->message_dropped(*message, reason, rejected);
  delete message;
}

void actor_system::shutdown() {
  if (shutting_down_.exchange(true)) return;
  guardian_->enqueue_system(new detail::system_message(detail::system_kind::stop, {}, "shutdown"));
}

void actor_system::abort() {
  aborting_.store(true, std::memory_order_release);
  shutdown();
}

void actor_system::await_termination() {
  if (platform_.drive_until([&] { return terminated(); })) {
    TROUPE_ASSERT_MSG(terminated(), "the platform ran out of events before the system stopped");
    return;
  }
  std::unique_lock lock(terminated_mutex_);
  terminated_signal_.wait(lock, [&] { return terminated_.load(); });
}

void actor_system::guardian_terminated() {
  // Notified under the lock: the waiter may destroy the system (and the condition variable)
  // as soon as it sees terminated_, so the notification must be over by then.
  std::lock_guard lock(terminated_mutex_);
  terminated_.store(true, std::memory_order_release);
  terminated_signal_.notify_all();
}

const char* to_string(error_code code) {
  switch (code) {
    case error_code::timeout: return "timeout";
    case error_code::dead_letter: return "dead_letter";
    case error_code::mailbox_full: return "mailbox_full";
    case error_code::unexpected_type: return "unexpected_type";
    case error_code::duplicate_name: return "duplicate_name";
    case error_code::not_found: return "not_found";
    case error_code::shutting_down: return "shutting_down";
    case error_code::not_serializable: return "not_serializable";
    case error_code::unreachable: return "unreachable";
  }
  return "unknown";
}

const char* to_string(drop_reason reason) {
  switch (reason) {
    case drop_reason::dead_letter: return "dead_letter";
    case drop_reason::mailbox_full: return "mailbox_full";
    case drop_reason::unknown_type: return "unknown_type";
    case drop_reason::partition: return "partition";
    case drop_reason::loss: return "loss";
    case drop_reason::dead_pod: return "dead_pod";
    case drop_reason::stale_incarnation: return "stale_incarnation";
    case drop_reason::queue_full: return "queue_full";
    case drop_reason::not_serializable: return "not_serializable";
    case drop_reason::unreachable: return "unreachable";
  }
  return "unknown";
}

}  // namespace troupe
