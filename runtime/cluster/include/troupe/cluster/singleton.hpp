#pragma once
/// The cluster singleton: one instance of an actor cluster-wide, on the oldest member.
/// Spawn a `singleton_manager<A>` on every node (after the cluster actor); each manager
/// subscribes to the cluster, and the one on the oldest member runs the singleton as its
/// child. The oldest is the member with the smallest up_number among those up, leaving,
/// exiting or down: a downed holder keeps the role until it is removed, so that its
/// successor starts only after the holder's own node has stopped it (the holder's node downs
/// itself at about the same time, or learns it was downed). The instance runs only while this
/// node holds its lease, and starts only once every member that was downed or removed is
/// certified fenced (docs/cluster.md, "Fencing"). Each start and stop is a `singleton` trace
/// event: {"name":"counter","state":"started"}. docs/cluster.md.

#include <optional>
#include <string>
#include <tuple>
#include <variant>

#include "troupe/cluster/cluster.hpp"

namespace troupe::cluster {

/// The oldest member of `state` that holds the singleton role, if any.
std::optional<member_key> singleton_holder(const membership_state& state);

struct singleton_tick {};
/// The cluster's answer to get_state, delivered as a message to the manager.
struct singleton_state {
  membership_state state;
};
/// The cluster's answer to get_fence, with the time the manager asked for it.
struct singleton_fence {
  fence_state fence;
  std::int64_t asked_ns = 0;
};

using singleton_protocol =
    std::variant<member_event, singleton_tick, singleton_state, singleton_fence>;

/// Runs the singleton of type A (constructed from `args`) while this node is the oldest.
template <class A, class... Args>
class singleton_manager final : public actor<singleton_protocol> {
 public:
  /// `handover_margin_ns`: how long this node must have been the holder before it starts
  /// the instance (Pekko's down-removal margin): the two sides of a split detect it up to a
  /// few heartbeats apart, so the side that goes down may stop its instance that much later
  /// than the surviving side removes it.
  singleton_manager(std::string name, std::int64_t handover_margin_ns, Args... args)
      : name_(std::move(name)), margin_ns_(handover_margin_ns), arguments_(std::move(args)...) {}

  void pre_start() override {
    auto cluster = system().template lookup<cluster_protocol>(cluster_actor_name);
    TROUPE_ASSERT(cluster.has_value());  // start the cluster actor first
    cluster_ = *cluster;
    cluster_.tell(subscribe{self_any()});
    start_periodic_timer("check", singleton_tick{}, std::chrono::milliseconds(200));
  }
  void post_stop() override { set_running(false); }

  void on_message(singleton_protocol& message) override {
    if (auto* event = std::get_if<member_event>(&message)) {
      if (event->node == system().node_name() && event->status == "down") {
        holder_since_ns_.reset();
        set_running(false);
      }
      return ask_state();
    }
    if (std::holds_alternative<singleton_tick>(message)) {
      // First, before anything else after a pause: no lease, no instance.
      if (now_ns() >= lease_until_ns_) set_running(false);
      ask_fence();
      return ask_state();
    }
    if (auto* fence = std::get_if<singleton_fence>(&message)) {
      lease_until_ns_ = fence->fence.lease_until_ns;
      if (fence->fence.uncertain.empty())
        certain_since_ask_ns_ = fence->asked_ns;
      else
        certain_since_ask_ns_.reset();
      if (now_ns() >= lease_until_ns_) set_running(false);
      return;
    }
    const auto& state = std::get<singleton_state>(message).state;
    const auto holder = singleton_holder(state);
    const bool mine = holder && holder->first == system().node_name() &&
                      state.members.at(*holder).status == member_status::up;
    if (!mine) {
      holder_since_ns_.reset();
      return set_running(false);
    }
    if (!holder_since_ns_) holder_since_ns_ = now_ns();
    // Start only with the lease, and once an answer asked after this node became the holder
    // says that every downed member is certified fenced (the previous holder among them).
    const bool certain = certain_since_ask_ns_ && *certain_since_ask_ns_ >= *holder_since_ns_;
    if (now_ns() - *holder_since_ns_ >= margin_ns_ && now_ns() < lease_until_ns_ && certain)
      set_running(true);
  }

 private:
  void ask_state() {
    this->template ask<membership_state>(
        cluster_, get_state{}, std::chrono::seconds(1), [this](result<membership_state> answer) {
          if (!answer.ok()) return;
          singleton_protocol message = singleton_state{std::move(answer.value())};
          on_message(message);
        });
  }
  void ask_fence() {
    const std::int64_t asked = now_ns();
    this->template ask<fence_state>(
        cluster_, get_fence{}, std::chrono::seconds(1), [this, asked](result<fence_state> answer) {
          if (!answer.ok()) return;
          singleton_protocol message = singleton_fence{std::move(answer.value()), asked};
          on_message(message);
        });
  }
  void set_running(bool run) {
    if (run == running_.valid()) return;
    if (run) {
      running_ =
          std::apply([&](const auto&... a) { return this->template spawn<A>(a...); }, arguments_);
    } else {
      stop(running_);
      running_ = {};
    }
    record("singleton",
           "\"name\":\"" + name_ + "\",\"state\":\"" + (run ? "started" : "stopped") + "\"");
  }

  std::string name_;
  std::int64_t margin_ns_;
  std::optional<std::int64_t> holder_since_ns_;  ///< since when this node is the holder
  std::int64_t lease_until_ns_ = 0;              ///< this node's lease (its clock)
  /// When the latest answer that had no uncertain member was asked for (none: uncertain).
  std::optional<std::int64_t> certain_since_ask_ns_;
  std::tuple<Args...> arguments_;
  actor_ref<cluster_protocol> cluster_;
  any_ref running_;
};

}  // namespace troupe::cluster
