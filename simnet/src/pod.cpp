// The simulation as one pod's runtime sees it: platform, transport and trace sink.

#include "troupe/simnet/pod.hpp"

#include <algorithm>

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
  sim_.trace().event(sim_.now_ns(), "spawn", pod_).field("actor", actor).field("parent", parent).end();
}

void pod_sink::on_stop(std::string_view actor, std::string_view reason) {
  if (silent_) return;
  sim_.trace().event(sim_.now_ns(), "stop", pod_).field("actor", actor).field("reason", reason).end();
}

void pod_sink::on_crash(std::string_view actor, std::string_view reason) {
  if (silent_) return;
  sim_.trace().event(sim_.now_ns(), "crash", pod_).field("actor", actor).field("reason", reason).end();
}

void pod_sink::on_restart(std::string_view actor, std::string_view reason) {
  if (silent_) return;
  sim_.trace().event(sim_.now_ns(), "restart", pod_).field("actor", actor).field("reason", reason).end();
}

void pod_sink::on_send(envelope& message, std::string_view from, std::string_view to_node,
                       std::string_view to) {
  message.trace_id = sim_.trace().next_message_id();
  message.lamport = ++lamport_;
  if (silent_) return;
  sim_.trace()
      .event(sim_.now_ns(), "send", pod_)
      .field("id", message.trace_id)
      .field("from", from)
      .field("to_pod", to_node)
      .field("to", to)
      .field("type", message.type().name)
      .field("lamport", message.lamport)
      .field("summary", message.summary())
      .end();
}

void pod_sink::on_deliver(const envelope& message, std::string_view from_node,
                          std::string_view from, std::string_view to) {
  lamport_ = std::max(lamport_, message.lamport) + 1;
  if (silent_) return;
  sim_.trace()
      .event(sim_.now_ns(), "deliver", pod_)
      .field("id", message.trace_id)
      .field("from_pod", from_node)
      .field("from", from)
      .field("to", to)
      .field("type", message.type().name)
      .field("lamport", lamport_)
      .end();
}

void pod_sink::on_drop(const envelope& message, std::string_view from_node, std::string_view from,
                       std::string_view to_node, std::string_view to, drop_reason reason) {
  if (silent_) return;
  sim_.trace()
      .event(sim_.now_ns(), "drop", to_node)
      .field("id", message.trace_id)
      .field("from_pod", from_node)
      .field("from", from)
      .field("to", to)
      .field("type", message.type().name)
      .field("reason", to_string(reason))
      .end();
}

void pod_sink::on_timer(std::string_view actor, std::string_view key) {
  if (silent_) return;
  sim_.trace().event(sim_.now_ns(), "timer", pod_).field("actor", actor).field("key", key).end();
}

void pod_sink::on_log(std::string_view actor, std::string_view level, std::string_view text) {
  if (silent_) return;
  sim_.trace()
      .event(sim_.now_ns(), "log", pod_)
      .field("actor", actor)
      .field("level", level)
      .field("text", text)
      .end();
}

void pod_sink::on_record(std::string_view event, std::string_view json_members) {
  if (silent_) return;
  auto line = sim_.trace().event(sim_.now_ns(), event, pod_);
  if (!json_members.empty()) line.raw_members(json_members);
  line.end();
}

}  // namespace troupe::sim
