// The simulation as one pod's runtime sees it: platform, transport and trace sink.

#include "troupe/simnet/pod.hpp"

#include <algorithm>

#include "troupe/trace/runtime_events.hpp"

namespace troupe::sim {

sim_platform::sim_platform(simulation& sim, pod& owner, std::uint32_t index,
                           std::uint64_t incarnation, std::uint64_t seed)
    : sim_(sim), owner_(owner), index_(index), incarnation_(incarnation), random_(seed) {}

std::int64_t sim_platform::now_ns() const { return owner_.clock_ns(sim_.now_ns()); }

void sim_platform::schedule(runnable& task) {
  if (teardown_) {
    teardown_queue_.push_back(&task);
    return;
  }
  sim_.make_ready({index_, incarnation_, &task});
}

timer_id sim_platform::start_timer(std::int64_t delay_ns, std::function<void()> callback) {
  TROUPE_ASSERT(delay_ns >= 0);
  // The delay is measured on the pod's clock; a fast clock fires early in virtual time.
  const auto virtual_delay =
      static_cast<std::int64_t>(static_cast<double>(delay_ns) / owner_.clock_rate());
  return sim_.add_timer(index_, incarnation_, sim_.now_ns() + virtual_delay, std::move(callback));
}

bool sim_platform::cancel_timer(timer_id id) { return sim_.cancel_timer(id); }

bool sim_platform::drive_until(const std::function<bool()>& done) {
  if (done()) return true;
  if (teardown_) {
    run_teardown();
    return true;
  }
  sim_.run_until(done, INT64_MAX);
  return true;
}

void sim_platform::run_teardown() {
  for (runnable* task : sim_.take_ready(index_, incarnation_)) teardown_queue_.push_back(task);
  while (!teardown_queue_.empty()) {
    runnable* task = teardown_queue_.front();
    teardown_queue_.pop_front();
    task->run();
  }
}

send_result sim_transport::send_user(std::string_view node, wire::user_envelope&& message) {
  if (!connected_) return send_result::queued;  // a dead process's writes go nowhere
  wire::byte_writer writer(sim_.take_buffer());
  wire::encode(writer, message);
  return sim_.transmit(index_, node, false, std::move(writer.buffer()), &message);
}

send_result sim_transport::send_system(std::string_view node, wire::system_envelope&& message) {
  if (!connected_) return send_result::queued;
  return sim_.transmit(index_, node, true, wire::encode_envelope(message), nullptr);
}

// -- trace sink ----------------------------------------------------------------------------

void pod_sink::on_spawn(std::string_view actor, std::string_view parent) {
  if (silent_) return;
  trace::write_actor_event(sim_.trace(), sim_.now_ns(), pod_, "spawn", actor, "parent", parent);
}

void pod_sink::on_stop(std::string_view actor, std::string_view reason) {
  if (silent_) return;
  trace::write_actor_event(sim_.trace(), sim_.now_ns(), pod_, "stop", actor, "reason", reason);
}

void pod_sink::on_crash(std::string_view actor, std::string_view reason) {
  if (silent_) return;
  trace::write_actor_event(sim_.trace(), sim_.now_ns(), pod_, "crash", actor, "reason", reason);
}

void pod_sink::on_restart(std::string_view actor, std::string_view reason) {
  if (silent_) return;
  trace::write_actor_event(sim_.trace(), sim_.now_ns(), pod_, "restart", actor, "reason", reason);
}

void pod_sink::on_send(envelope& message, std::string_view from, std::string_view to_node,
                       std::string_view to) {
  message.trace_id = sim_.trace().next_message_id();
  message.lamport = ++lamport_;
  if (!silent_) {
    trace::write_send(sim_.trace(), sim_.now_ns(), pod_, message, from, to_node, to,
                      message.summary());
  }
}

void pod_sink::on_deliver(const envelope& message, std::string_view from_node,
                          std::string_view from, std::string_view to) {
  lamport_ = std::max(lamport_, message.lamport) + 1;
  if (!silent_) {
    trace::write_deliver(sim_.trace(), sim_.now_ns(), pod_, message, from_node, from, to,
                         lamport_);
  }
}

void pod_sink::on_drop(const envelope& message, std::string_view from_node, std::string_view from,
                       std::string_view to_node, std::string_view to, drop_reason reason) {
  if (!silent_) {
    trace::write_drop(sim_.trace(), sim_.now_ns(), message, from_node, from, to_node, to, reason);
  }
}

void pod_sink::on_timer(std::string_view actor, std::string_view key) {
  if (silent_) return;
  trace::write_actor_event(sim_.trace(), sim_.now_ns(), pod_, "timer", actor, "key", key);
}

void pod_sink::on_log(std::string_view actor, std::string_view level, std::string_view text) {
  if (!silent_) trace::write_log(sim_.trace(), sim_.now_ns(), pod_, actor, level, text);
}

void pod_sink::on_record(std::string_view event, std::string_view json_members) {
  if (!silent_) trace::write_record(sim_.trace(), sim_.now_ns(), pod_, event, json_members);
}

}  // namespace troupe::sim
