#include "troupe/trace/node_trace.hpp"

#include <algorithm>

#include "troupe/runtime/assert.hpp"
#include "troupe/trace/runtime_events.hpp"

namespace troupe::trace {

std::uint64_t message_id_prefix(std::uint32_t node_number, std::uint64_t incarnation) {
  TROUPE_ASSERT(node_number < (1u << 16));
  return (std::uint64_t{node_number} << 8) | (incarnation % 256);
}

namespace {
std::int64_t unix_time_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

node_trace::node_trace(node_trace_config config)
    : config_(std::move(config)),
      origin_(std::chrono::steady_clock::now()),
      offset_ns_(config_.epoch_ns == 0 ? 0 : unix_time_ns() - config_.epoch_ns),
      writer_(config_.path) {
  TROUPE_ASSERT(config_.message_id_prefix <= message_id_prefix_max);
  std::lock_guard lock(mutex_);
  writer_.header()
      .field("seed", std::uint64_t{0})
      .field("scenario", config_.scenario)
      .field("build", TROUPE_BUILD_ID)
      .field("platform", config_.platform)
      .field("pods", config_.pods)
      .field("node", config_.pod)
      .field("incarnation", config_.incarnation)
      .field("epoch_ns", config_.epoch_ns)
      .end();
  writer_.flush();
}

node_trace::~node_trace() { flush(); }

bool node_trace::ok() const {
  std::lock_guard lock(mutex_);
  return writer_.ok();
}

void node_trace::flush() {
  std::lock_guard lock(mutex_);
  writer_.flush();
}

std::uint64_t node_trace::events() const {
  std::lock_guard lock(mutex_);
  return writer_.events();
}

std::int64_t node_trace::now_ns() const {
  const auto elapsed = std::chrono::steady_clock::now() - origin_;
  return offset_ns_ + std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
}

std::int64_t node_trace::time_locked() {
  // The steady clock does not go back, but two threads may read it in one order and take
  // the lock in the other: keep the file's times non-decreasing.
  last_t_ = std::max(last_t_, now_ns());
  return last_t_;
}

void node_trace::log(std::string_view actor, std::string_view level, std::string_view text) {
  on_log(actor, level, text);
}

void node_trace::on_spawn(std::string_view actor, std::string_view parent) {
  std::lock_guard lock(mutex_);
  write_actor_event(writer_, time_locked(), config_.pod, "spawn", actor, "parent", parent);
}

void node_trace::on_stop(std::string_view actor, std::string_view reason) {
  std::lock_guard lock(mutex_);
  write_actor_event(writer_, time_locked(), config_.pod, "stop", actor, "reason", reason);
}

void node_trace::on_crash(std::string_view actor, std::string_view reason) {
  std::lock_guard lock(mutex_);
  write_actor_event(writer_, time_locked(), config_.pod, "crash", actor, "reason", reason);
}

void node_trace::on_restart(std::string_view actor, std::string_view reason) {
  std::lock_guard lock(mutex_);
  write_actor_event(writer_, time_locked(), config_.pod, "restart", actor, "reason", reason);
}

void node_trace::on_send(envelope& message, std::string_view from, std::string_view to_node,
                         std::string_view to) {
  // The summary may run the payload's own rendering: outside the lock.
  const std::string summary = message.summary();
  std::lock_guard lock(mutex_);
  TROUPE_ASSERT(last_message_ + 1 < (std::uint64_t{1} << message_id_counter_bits));
  message.trace_id = (config_.message_id_prefix << message_id_counter_bits) | ++last_message_;
  message.lamport = ++lamport_;
  write_send(writer_, time_locked(), config_.pod, message, from, to_node, to, summary);
}

void node_trace::on_deliver(const envelope& message, std::string_view from_node,
                            std::string_view from, std::string_view to) {
  std::lock_guard lock(mutex_);
  lamport_ = std::max(lamport_, message.lamport) + 1;
  write_deliver(writer_, time_locked(), config_.pod, message, from_node, from, to, lamport_);
}

void node_trace::on_drop(const envelope& message, std::string_view from_node,
                         std::string_view from, std::string_view to_node, std::string_view to,
                         drop_reason reason) {
  std::lock_guard lock(mutex_);
  write_drop(writer_, time_locked(), message, from_node, from, to_node, to, reason);
}

void node_trace::on_timer(std::string_view actor, std::string_view key) {
  std::lock_guard lock(mutex_);
  write_actor_event(writer_, time_locked(), config_.pod, "timer", actor, "key", key);
}

void node_trace::on_log(std::string_view actor, std::string_view level, std::string_view text) {
  std::lock_guard lock(mutex_);
  write_log(writer_, time_locked(), config_.pod, actor, level, text);
}

void node_trace::on_record(std::string_view event, std::string_view json_members) {
  std::lock_guard lock(mutex_);
  write_record(writer_, time_locked(), config_.pod, event, json_members);
}

}  // namespace troupe::trace
