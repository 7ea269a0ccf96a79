// The simulation loop, the network's delivery path and fault injection.

#include "troupe/simnet/simulation.hpp"

#include <algorithm>
#include <set>

#include "troupe/runtime/assert.hpp"
#include "troupe/simnet/duration.hpp"
#include "troupe/simnet/pod.hpp"

namespace troupe::sim {

simulation::simulation(simulation_config config)
    : config_(std::move(config)),
      trace_(config_.trace_path, config_.capture_trace),
      random_(config_.seed) {
  network_.defaults() = config_.network;
  trace_.header()
      .field("seed", config_.seed)
      .field("scenario", config_.scenario)
      .field("build", TROUPE_BUILD_ID)
      .field("platform", "simnet")
      .field("pods", config_.initial_pods)
      .end();
  detail::assert_seed = config_.seed;
  detail::assert_seed_known = true;
}

simulation::~simulation() {
  // Stop every pod without hooks or trace so that every actor is freed.
  for (std::uint32_t i = 0; i < pods_.size(); ++i)
    if (pods_[i]->system_) take_down(i, false);
  detail::assert_seed_known = false;
}

// -- the event loop -------------------------------------------------------------------------

void simulation::push(std::int64_t time, event_kind kind, std::uint64_t id) {
  TROUPE_ASSERT(time >= now_ns_);
  events_.push(time, kind, id);
}

bool simulation::step(std::int64_t limit_ns) {
  if (!ready_.empty()) {
    ready_item item = ready_.front();
    ready_.pop_front();
    run_ready(item);
    return true;
  }
  sim_event next;
  if (!events_.pop_until(limit_ns, next)) return false;
  now_ns_ = next.time;
  ++stats_.events;
  switch (next.what()) {
    case event_kind::timer: fire_timer(next.id); break;
    case event_kind::delivery: deliver(next.id); break;
    case event_kind::action: {
      auto action = std::move(actions_[next.id]);
      action();
      break;
    }
  }
  return true;
}

void simulation::run_until(std::int64_t time_ns) {
  TROUPE_ASSERT(time_ns >= now_ns_);
  while (step(time_ns)) {
  }
  now_ns_ = time_ns;
}

bool simulation::run_until(const std::function<bool()>& done, std::int64_t limit_ns) {
  while (!done()) {
    if (!step(limit_ns)) return done();
  }
  return true;
}

void simulation::run_ready(const ready_item& item) {
  pod& p = *pods_[item.pod];
  // Turns of a torn-down incarnation were taken out of the queue at teardown.
  TROUPE_ASSERT(p.info_.incarnation == item.incarnation && p.system_);
  if (p.state_ == pod_state::paused) {
    p.frozen_.push_back([this, item] { make_ready(item); });
    return;
  }
  ++stats_.events;
  item.task->run();
}

std::uint64_t simulation::add_timer(std::uint32_t pod, std::uint64_t incarnation,
                                    std::int64_t at_ns, std::function<void()> callback) {
  TROUPE_ASSERT(callback);
  std::uint32_t slot;
  if (free_timers_.empty()) {
    TROUPE_ASSERT(timers_.size() < UINT32_MAX);
    slot = static_cast<std::uint32_t>(timers_.size());
    timers_.emplace_back();
  } else {
    slot = free_timers_.back();
    free_timers_.pop_back();
  }
  timer_entry& entry = timers_[slot];
  ++entry.generation;
  entry.pod = pod;
  entry.incarnation = incarnation;
  entry.callback = std::move(callback);
  const std::uint64_t id = (std::uint64_t{entry.generation} << 32U) | slot;
  push(std::max(at_ns, now_ns_), event_kind::timer, id);
  return id;
}

simulation::timer_entry* simulation::find_timer(std::uint64_t id) {
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffU);
  if (slot >= timers_.size()) return nullptr;
  timer_entry& entry = timers_[slot];
  if (!entry.callback || entry.generation != static_cast<std::uint32_t>(id >> 32U)) return nullptr;
  return &entry;
}

void simulation::free_timer(std::uint32_t slot) {
  // The callback dies after the slot is free: destroying it may release cells.
  std::function<void()> released = std::move(timers_[slot].callback);
  timers_[slot].callback = nullptr;
  free_timers_.push_back(slot);
}

bool simulation::cancel_timer(std::uint64_t id) {
  if (find_timer(id) == nullptr) return false;
  free_timer(static_cast<std::uint32_t>(id & 0xffffffffU));
  return true;
}

void simulation::fire_timer(std::uint64_t id) {
  timer_entry* found = find_timer(id);
  if (found == nullptr) return;  // cancelled
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffU);
  pod& p = *pods_[found->pod];
  if (p.info_.incarnation != found->incarnation || !p.live()) {
    free_timer(slot);
    return;
  }
  if (p.state_ == pod_state::paused) {
    // Frozen: fires when the pod resumes.
    p.frozen_.push_back([this, id] { fire_timer(id); });
    return;
  }
  auto callback = std::move(found->callback);
  free_timer(slot);
  callback();
}

std::vector<runnable*> simulation::take_ready(std::uint32_t pod, std::uint64_t incarnation) {
  std::vector<runnable*> taken;
  std::deque<ready_item> kept;
  for (const auto& item : ready_) {
    if (item.pod == pod && item.incarnation == incarnation) taken.push_back(item.task);
    else kept.push_back(item);
  }
  ready_.swap(kept);
  return taken;
}

void simulation::at(std::int64_t time_ns, std::function<void()> action) {
  actions_.push_back(std::move(action));
  push(time_ns, event_kind::action, actions_.size() - 1);
}

// -- network -------------------------------------------------------------------------------

std::optional<std::uint32_t> simulation::find_pod(std::string_view name) const {
  auto found = pod_index_.find(name);
  if (found == pod_index_.end()) return std::nullopt;
  return found->second;
}

send_result simulation::transmit(std::uint32_t from, std::string_view to, bool system,
                                 std::vector<std::byte> bytes, const wire::user_envelope* meta) {
  auto target = find_pod(to);
  if (!target) return send_result::unreachable;
  in_flight message{from, *target, pods_[*target]->info_.incarnation, system, now_ns_,
                    std::move(bytes)};
  const std::string& from_name = pods_[from]->name();
  const std::string& to_name = pods_[*target]->name();
  if (!pods_[*target]->live()) {
    trace_drop(message, "dead_pod");
    return send_result::queued;
  }
  if (network_.cut(from_name, to_name)) {
    trace_drop(message, "partition");
    return send_result::queued;
  }
  const link_conditions& link = network_.link(from_name, to_name);
  if (link.loss > 0 && random_.chance(link.loss)) {
    trace_drop(message, "loss");
    return send_result::queued;
  }
  const int copies = link.duplicate > 0 && random_.chance(link.duplicate) ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    std::int64_t arrival = now_ns_ + random_.between(link.delay_ns_min, link.delay_ns_max);
    if (link.bandwidth_bytes_per_s > 0) {
      arrival += static_cast<std::int64_t>(message.bytes.size()) * 1'000'000'000 /
                 link.bandwidth_bytes_per_s;
    }
    if (!link.reorder) {
      std::int64_t& last = network_.last_arrival(from, *target);
      arrival = std::max(arrival, last);
      last = arrival;
    }
    std::uint64_t slot;
    if (free_slots_.empty()) {
      slot = in_flight_.size();
      in_flight_.push_back(copy + 1 < copies ? message : std::move(message));
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      in_flight_[slot] = copy + 1 < copies ? message : std::move(message);
    }
    push(arrival, event_kind::delivery, slot);
  }
  return send_result::queued;
}

void simulation::trace_drop(const in_flight& message, const char* reason) {
  ++stats_.network_drops;
  if (message.system) return;  // death-watch notices are not traced as messages
  // The message's identity is read back from its bytes: drops are rare, so messages in
  // flight carry no copies of their paths and type name.
  wire::user_envelope decoded;
  const auto error = wire::decode_envelope(message.bytes, decoded);
  TROUPE_ASSERT_MSG(error == wire::envelope_error::none,
                    "the simulator's own envelope failed to decode");
  trace_.event(now_ns_, "drop", pods_[message.to]->name())
      .field("id", decoded.message_id)
      .field("from_pod", pods_[message.from]->name())
      .field("from", decoded.sender_path)
      .field("to", decoded.receiver_path)
      .field("type", decoded.type_name)
      .field("reason", reason)
      .field("sent_t", message.sent_ns)
      .end();
}

void simulation::deliver(std::uint64_t slot) {
  in_flight message = std::move(in_flight_[slot]);
  in_flight_[slot] = in_flight{};
  free_slots_.push_back(slot);
  pod& target = *pods_[message.to];
  if (target.info_.incarnation != message.to_incarnation) {
    trace_drop(message, "stale_incarnation");
    return;
  }
  if (!target.live()) {
    trace_drop(message, "dead_pod");
    return;
  }
  const std::string& from_name = pods_[message.from]->name();
  if (network_.cut(from_name, target.name())) {
    trace_drop(message, "partition");
    return;
  }
  if (target.state_ == pod_state::paused) {
    // The process is frozen: the bytes wait in its socket buffer.
    const std::uint64_t again = in_flight_.size();
    in_flight_.push_back(std::move(message));
    target.frozen_.push_back([this, again] { deliver(again); });
    target.frozen_messages_.push_back(again);
    return;
  }
  ++stats_.deliveries;
  if (message.system) {
    wire::system_envelope decoded;
    if (wire::decode_envelope(message.bytes, decoded) == wire::envelope_error::none)
      target.system_->deliver_inbound_system(from_name, std::move(decoded));
    return;
  }
  // Decoded in place: the receiver copies nothing but the payload's value.
  wire::user_envelope_view decoded;
  const auto error = wire::decode_envelope(message.bytes, decoded);
  TROUPE_ASSERT_MSG(error == wire::envelope_error::none, "the simulator's own envelope failed to decode");
  target.system_->deliver_inbound(from_name, decoded);
  recycle(std::move(message.bytes));
}

// -- pods ------------------------------------------------------------------------------------

void simulation::add_deployment(const std::string& name, int replicas, boot_function boot) {
  TROUPE_ASSERT(replicas >= 0);
  TROUPE_ASSERT_MSG(boots_.count(name) == 0, "deployment added twice");
  boots_[name] = std::move(boot);
  replicas_[name] = 0;
  scale(name, replicas);
}

void simulation::start_pod(std::uint32_t index) {
  pod& p = *pods_[index];
  TROUPE_ASSERT(!p.system_);
  ++p.info_.incarnation;
  // Each incarnation draws from its own stream, derived from the run's generator.
  p.platform_ = std::make_unique<sim_platform>(*this, p, index, p.info_.incarnation, random_.next());
  p.transport_ = std::make_unique<sim_transport>(*this, index);
  p.sink_ = std::make_unique<pod_sink>(*this, p.name());
  system_config config;
  config.node_name = p.name();
  config.trace = config_.trace_runtime_events ? p.sink_.get() : nullptr;
  p.system_ = std::make_unique<actor_system>(*p.platform_, config);
  p.system_->attach_transport(*p.transport_);
  p.state_ = pod_state::running;
  boots_.at(p.info_.deployment)(*p.system_, p.info_);
}

void simulation::take_down(std::uint32_t index, bool graceful) {
  pod& p = *pods_[index];
  TROUPE_ASSERT(p.system_);
  p.frozen_.clear();  // a paused pod that dies loses what waited, traced as dropped
  for (std::uint64_t slot : p.frozen_messages_) {
    trace_drop(in_flight_[slot], "dead_pod");
    in_flight_[slot] = in_flight{};
    free_slots_.push_back(slot);
  }
  p.frozen_messages_.clear();
  p.platform_->begin_teardown();
  if (graceful) {
    p.system_->shutdown();
  } else {
    p.sink_->silence();
    p.transport_->disconnect();
    p.system_->abort();
  }
  p.platform_->run_teardown();
  TROUPE_ASSERT_MSG(p.system_->terminated(), "a pod's actor system did not stop at teardown");
  p.system_.reset();
  // Timers of the old incarnation hold references to its cells: release them now.
  for (std::uint32_t slot = 0; slot < timers_.size(); ++slot) {
    const timer_entry& entry = timers_[slot];
    if (entry.callback && entry.pod == index && entry.incarnation == p.info_.incarnation)
      free_timer(slot);
  }
  p.sink_.reset();
  p.transport_.reset();
  p.platform_.reset();
}

void simulation::notify_connection_loss(std::uint32_t index) {
  const std::string name = pods_[index]->name();
  at(now_ns_ + config_.connection_loss_detection_ns, [this, name] {
    for (auto& other : pods_)
      if (other->live() && other->name() != name) other->system_->node_down(name);
  });
}

void simulation::scale(const std::string& deployment, int replicas) {
  int& current = replicas_.at(deployment);
  for (int ordinal = current; ordinal < replicas; ++ordinal) {
    const std::string name = deployment + "-" + std::to_string(ordinal);
    auto existing = find_pod(name);
    if (!existing) {
      pods_.push_back(std::make_unique<pod>(name, deployment, ordinal));
      existing = static_cast<std::uint32_t>(pods_.size() - 1);
      pod_index_.emplace(name, *existing);
    }
    if (!pods_[*existing]->system_) start_pod(*existing);
  }
  for (int ordinal = current - 1; ordinal >= replicas; --ordinal) {
    const auto index = find_pod(deployment + "-" + std::to_string(ordinal));
    TROUPE_ASSERT(index.has_value());
    if (pods_[*index]->system_) {
      take_down(*index, true);
      notify_connection_loss(*index);
    }
    pods_[*index]->state_ = pod_state::removed;
  }
  current = replicas;
}

std::vector<std::string> simulation::live_pods() const {
  std::vector<std::string> names;
  for (const auto& p : pods_)
    if (p->live()) names.push_back(p->name());
  return names;
}

std::vector<std::string> simulation::pods_of(const std::string& deployment) const {
  std::vector<std::string> names;
  auto found = replicas_.find(deployment);
  if (found == replicas_.end()) return names;
  for (int i = 0; i < found->second; ++i) names.push_back(deployment + "-" + std::to_string(i));
  return names;
}

actor_system* simulation::system_of(const std::string& name) {
  auto index = find_pod(name);
  return index && pods_[*index]->live() ? pods_[*index]->system_.get() : nullptr;
}

bool simulation::is_live(const std::string& name) const {
  auto index = find_pod(name);
  return index && pods_[*index]->live();
}

}  // namespace troupe::sim
