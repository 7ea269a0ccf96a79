#pragma once
/// A deterministic simulated cluster: pods running actor systems on one thread in virtual
/// time, a simulated network between them, fault injection and a trace. One seed
/// reproduces a run exactly (docs/simnet.md).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "troupe/runtime/random.hpp"
#include "troupe/runtime/system.hpp"
#include "troupe/simnet/event_queue.hpp"
#include "troupe/simnet/faults.hpp"
#include "troupe/simnet/network.hpp"
#include "troupe/simnet/trace_writer.hpp"

namespace troupe::sim {

/// What a pod's boot function learns about the pod it starts.
struct pod_info {
  std::string name;        ///< "kv-0"
  std::string deployment;  ///< "kv"
  int ordinal = 0;
  std::uint64_t incarnation = 1;  ///< 1 at first start, +1 at every restart
};

/// Starts the application's actors in a fresh actor system of a pod. Called at the pod's
/// first start and at every restart, in simulation.
using boot_function = std::function<void(actor_system&, const pod_info&)>;

struct simulation_config {
  std::uint64_t seed = 1;
  std::string scenario = "unnamed";
  std::string trace_path;  ///< empty: no trace file (the hash is still computed)
  bool capture_trace = false;  ///< keep the trace's lines in memory (trace().lines())
  /// Trace the actors' events (spawn, send, deliver, timer, op ...). Off, only the header,
  /// faults and network drops are traced: for raw speed when no checker reads the trace.
  bool trace_runtime_events = true;
  link_conditions network;
  /// The pods that exist at time 0, in lane order, for the trace header.
  std::vector<std::string> initial_pods;
  /// How long after a pod dies its peers' connections notice (remote death watch).
  std::int64_t connection_loss_detection_ns = 1'000'000'000;
};

/// Counts of what happened in a run.
struct simulation_stats {
  std::uint64_t events = 0;         ///< simulation events processed (turns, timers, deliveries)
  std::uint64_t deliveries = 0;     ///< messages delivered between pods
  std::uint64_t network_drops = 0;  ///< messages the network dropped (partition, loss, dead pod)
  std::uint64_t faults = 0;
};

class pod;

/// The simulated cluster. Single-threaded; not thread-safe.
class simulation {
 public:
  explicit simulation(simulation_config config);
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  /// Adds a deployment of `replicas` pods named <name>-0 ... started now.
  void add_deployment(const std::string& name, int replicas, boot_function boot);

  /// Runs events up to and including virtual time `time_ns`; time then reads `time_ns`.
  void run_until(std::int64_t time_ns);
  void run_for(std::int64_t duration_ns) { run_until(now_ns_ + duration_ns); }
  /// Runs until `done()` holds (checked after every event) or no event is left before
  /// `limit_ns`. Returns done().
  bool run_until(const std::function<bool()>& done, std::int64_t limit_ns);

  /// Virtual time in nanoseconds since the start.
  std::int64_t now_ns() const { return now_ns_; }
  const simulation_config& config() const { return config_; }
  const simulation_stats& stats() const { return stats_; }
  trace_writer& trace() { return trace_; }
  network& net() { return network_; }
  random_generator& random() { return random_; }

  // -- faults (now; schedule them with at()) -----------------------------------------
  /// Schedules `action` at virtual time `time_ns` (>= now).
  void at(std::int64_t time_ns, std::function<void()> action);
  /// Checks a fault schedule against the deployments (pods named must exist when the fault
  /// happens, times not negative, parameters in range). Returns the problem, or nothing.
  std::optional<std::string> validate(const std::vector<fault>& schedule) const;
  /// Schedules every fault of a validated schedule.
  void schedule(const std::vector<fault>& schedule);
  /// Applies one fault now.
  void inject(const fault& f);

  // -- queries -----------------------------------------------------------------------
  /// Names of pods that are currently running or paused, in creation order.
  std::vector<std::string> live_pods() const;
  /// Names of the deployment's current pods (ordinals below the replica count).
  std::vector<std::string> pods_of(const std::string& deployment) const;
  /// The actor system of a live pod, or nullptr.
  actor_system* system_of(const std::string& pod);
  bool is_live(const std::string& pod) const;

  // -- runtime-internal: used by the pods' platforms and transports -------------------
  struct ready_item {
    std::uint32_t pod;
    std::uint64_t incarnation;
    runnable* task;
  };
  void make_ready(const ready_item& item) { ready_.push_back(item); }
  std::uint64_t add_timer(std::uint32_t pod, std::uint64_t incarnation, std::int64_t at_ns,
                          std::function<void()> callback);
  bool cancel_timer(std::uint64_t id);
  /// Moves the ready turns of one pod incarnation out of the ready queue (for teardown).
  std::vector<runnable*> take_ready(std::uint32_t pod, std::uint64_t incarnation);
  /// Sends an encoded envelope from pod `from` to the pod named `to` over the network.
  send_result transmit(std::uint32_t from, std::string_view to, bool system,
                       std::vector<std::byte> bytes, const wire::user_envelope* meta);
  pod& pod_at(std::uint32_t index) { return *pods_[index]; }
  /// An empty byte buffer for the next message's encoding, with the capacity of one that
  /// was delivered before (or a new one): messages in flight reuse each other's buffers.
  std::vector<std::byte> take_buffer() {
    if (spare_buffers_.empty()) return {};
    std::vector<std::byte> buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    return buffer;
  }

 private:
  struct in_flight {
    std::uint32_t from;
    std::uint32_t to;
    std::uint64_t to_incarnation;
    bool system;
    std::int64_t sent_ns;
    // The encoded envelope; a drop's trace decodes the message's identity from it.
    std::vector<std::byte> bytes;
  };
  /// One slot of the timer table. A timer's id is (generation << 32) | slot: a slot is
  /// reused once its timer fired or was cancelled, with the next generation, so an old id
  /// never finds the new timer (and no id is 0).
  struct timer_entry {
    std::uint32_t pod = 0;
    std::uint32_t generation = 0;
    std::uint64_t incarnation = 0;
    std::function<void()> callback;  ///< empty: the slot is free
  };
  timer_entry* find_timer(std::uint64_t id);
  void free_timer(std::uint32_t slot);

  void push(std::int64_t time, event_kind kind, std::uint64_t id);
  bool step(std::int64_t limit_ns);
  void run_ready(const ready_item& item);
  void fire_timer(std::uint64_t id);
  void deliver(std::uint64_t slot);
  void trace_drop(const in_flight& message, const char* reason);
  void trace_fault(const fault& f, std::string_view pod_name);
  std::optional<std::uint32_t> find_pod(std::string_view name) const;
  void start_pod(std::uint32_t index);
  void take_down(std::uint32_t index, bool graceful);
  void notify_connection_loss(std::uint32_t index);
  void scale(const std::string& deployment, int replicas);

  simulation_config config_;
  trace_writer trace_;
  random_generator random_;
  network network_;
  simulation_stats stats_;
  std::int64_t now_ns_ = 0;
  event_queue events_;
  std::deque<ready_item> ready_;
  // Timers live in slots reused through a free list: a periodic timer re-arms at every
  // fire, and a map node per timer cost an allocation and a tree walk each time.
  std::vector<timer_entry> timers_;
  std::vector<std::uint32_t> free_timers_;
  std::vector<in_flight> in_flight_;
  std::vector<std::uint64_t> free_slots_;
  /// Buffers of delivered messages, for take_buffer(); at most max_spare_buffers of at most
  /// max_spare_buffer_bytes each.
  std::vector<std::vector<std::byte>> spare_buffers_;
  static constexpr std::size_t max_spare_buffers = 4096;
  static constexpr std::size_t max_spare_buffer_bytes = 64 * 1024;
  void recycle(std::vector<std::byte>&& buffer) {
    if (spare_buffers_.size() < max_spare_buffers && buffer.capacity() <= max_spare_buffer_bytes)
      spare_buffers_.push_back(std::move(buffer));
  }
  std::vector<std::function<void()>> actions_;
  std::vector<std::unique_ptr<pod>> pods_;
  /// Hashes std::string and std::string_view alike (lookups by a transport's node name).
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      // FNV-1a, inline: pod names are short and every message looks its target up.
      std::uint64_t hash = 0xcbf29ce484222325ULL;
      for (char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
      return static_cast<std::size_t>(hash);
    }
  };
  /// Index in pods_ by name; pods are never removed from pods_ (only marked removed).
  std::unordered_map<std::string, std::uint32_t, name_hash, std::equal_to<>> pod_index_;
  std::map<std::string, boot_function> boots_;
  std::map<std::string, int> replicas_;
};

}  // namespace troupe::sim
