#pragma once
/// One simulated pod: its clock, its platform and transport (the simulation seen from the
/// runtime), its trace sink, and the actor system of its current incarnation.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "troupe/runtime/platform.hpp"
#include "troupe/runtime/random.hpp"
#include "troupe/runtime/remote.hpp"
#include "troupe/runtime/system.hpp"
#include "troupe/runtime/trace.hpp"
#include "troupe/simnet/simulation.hpp"

namespace troupe::sim {

enum class pod_state : std::uint8_t {
  running,
  paused,   ///< frozen: its turns, timers and deliveries wait
  killed,   ///< crashed; may be restarted
  stopped,  ///< stopped gracefully; may be restarted
  removed,  ///< scaled away
};

/// The platform of one pod incarnation: schedules turns and timers as simulation events
/// and reads the pod's skewed clock.
class sim_platform final : public platform {
 public:
  sim_platform(simulation& sim, pod& owner, std::uint32_t index, std::uint64_t incarnation,
               std::uint64_t seed);
  std::int64_t now_ns() const override;
  void schedule(runnable& task) override;
  timer_id start_timer(std::int64_t delay_ns, std::function<void()> callback) override;
  bool cancel_timer(timer_id id) override;
  std::uint64_t random_u64() override { return random_.next(); }
  bool drive_until(const std::function<bool()>& done) override;
  /// The simulation this pod runs in (for faults requested by actor code).
  simulation& sim() const { return sim_; }

  /// While tearing down, turns of this incarnation run at once, outside the event order.
  void begin_teardown() { teardown_ = true; }
  /// Runs queued teardown turns until none is left.
  void run_teardown();

 private:
  simulation& sim_;
  pod& owner_;
  std::uint32_t index_;
  std::uint64_t incarnation_;
  random_generator random_;
  bool teardown_ = false;
  std::deque<runnable*> teardown_queue_;
};

/// The transport of one pod incarnation: hands envelopes to the simulated network.
class sim_transport final : public transport {
 public:
  sim_transport(simulation& sim, std::uint32_t index) : sim_(sim), index_(index) {}
  send_result send_user(std::string_view node, wire::user_envelope&& message) override;
  send_result send_system(std::string_view node, wire::system_envelope&& message) override;
  /// A killed pod sends nothing more (its actors may still run their teardown).
  void disconnect() { connected_ = false; }

 private:
  simulation& sim_;
  std::uint32_t index_;
  bool connected_ = true;
};

/// Writes one pod's runtime events into the simulation's trace, keeping its Lamport clock.
class pod_sink final : public trace_sink {
 public:
  pod_sink(simulation& sim, std::string pod) : sim_(sim), pod_(std::move(pod)) {}
  void on_spawn(std::string_view actor, std::string_view parent) override;
  void on_stop(std::string_view actor, std::string_view reason) override;
  void on_crash(std::string_view actor, std::string_view reason) override;
  void on_restart(std::string_view actor, std::string_view reason) override;
  void on_send(envelope& message, std::string_view from, std::string_view to_node,
               std::string_view to) override;
  void on_deliver(const envelope& message, std::string_view from_node, std::string_view from,
                  std::string_view to) override;
  void on_drop(const envelope& message, std::string_view from_node, std::string_view from,
               std::string_view to_node, std::string_view to, drop_reason reason) override;
  void on_timer(std::string_view actor, std::string_view key) override;
  void on_log(std::string_view actor, std::string_view level, std::string_view text) override;
  void on_record(std::string_view event, std::string_view json_members) override;
  /// Stops writing (a crashed pod's teardown is not part of the trace).
  void silence() { silent_ = true; }
  std::uint64_t lamport() const { return lamport_; }

 private:
  simulation& sim_;
  std::string pod_;
  std::uint64_t lamport_ = 0;
  bool silent_ = false;
};

/// A pod and its current incarnation.
class pod {
 public:
  pod(std::string name, std::string deployment, int ordinal)
      : info_{std::move(name), std::move(deployment), ordinal, 0} {}

  const pod_info& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  pod_state state() const { return state_; }
  bool live() const { return state_ == pod_state::running || state_ == pod_state::paused; }
  actor_system* system() { return system_.get(); }

  /// The pod's clock: offset + virtual time * rate.
  std::int64_t clock_ns(std::int64_t virtual_ns) const {
    return clock_offset_ns_ + static_cast<std::int64_t>(static_cast<double>(virtual_ns) * clock_rate_);
  }
  double clock_rate() const { return clock_rate_; }
  void set_clock(std::int64_t offset_ns, double rate) {
    clock_offset_ns_ = offset_ns;
    clock_rate_ = rate;
  }

 private:
  friend class simulation;
  friend class sim_platform;
  pod_info info_;
  pod_state state_ = pod_state::stopped;
  std::int64_t clock_offset_ns_ = 0;
  double clock_rate_ = 1.0;
  /// Work that arrived while paused, in arrival order; replayed on resume.
  std::deque<std::function<void()>> frozen_;
  /// The in-flight slots of the messages among `frozen_`: traced as dropped (`dead_pod`) if
  /// the pod dies before its resume, so that no message vanishes from the trace.
  std::vector<std::uint64_t> frozen_messages_;
  // Destroyed in reverse order: the system before its transport, sink and platform.
  std::unique_ptr<sim_platform> platform_;
  std::unique_ptr<sim_transport> transport_;
  std::unique_ptr<pod_sink> sink_;
  std::unique_ptr<actor_system> system_;
};

}  // namespace troupe::sim
