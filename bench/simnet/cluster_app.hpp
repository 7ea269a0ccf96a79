#pragma once
// The application troupe-sim-bench runs on every simulated pod: `actors_per_pod` actors
// named a0, a1, ... that send pings to actors on other pods and answer pings with pongs.
// Two ways to drive it:
//  - a window: each actor keeps `window` pings outstanding and sends the next one when a
//    pong comes back (steady load, as fast as the simulator goes);
//  - a timer: each actor sends one ping every `tick_ns` of its pod's clock (a fixed rate).
// Every ping and pong an actor handles is counted in `counters::handled`.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "troupe/runtime.hpp"
#include "troupe/simnet/simulation.hpp"

namespace sim_bench {

struct ping {
  std::uint64_t sequence = 0;
  template <class A>
  void fields(A& a) { a(sequence); }
};
struct pong {
  std::uint64_t sequence = 0;
  template <class A>
  void fields(A& a) { a(sequence); }
};
/// The periodic timer's message (local only).
struct tick {};
using protocol = std::variant<ping, pong, tick>;

}  // namespace sim_bench

TROUPE_MESSAGE(sim_bench::ping, "bench.ping");
TROUPE_MESSAGE(sim_bench::pong, "bench.pong");
TROUPE_MESSAGE(sim_bench::tick, "bench.tick");

namespace sim_bench {

/// What the benchmark reads after a run. Owned by the benchmark, outlives the simulation.
struct counters {
  std::uint64_t handled = 0;  ///< pings and pongs handed to actors (on_message)
  std::uint64_t pings_sent = 0;
};

/// How the cluster's actors talk.
struct app_options {
  int pods = 10;
  int actors_per_pod = 100;
  int peers_per_actor = 8;   ///< distinct actors on other pods each actor pings
  int window = 4;            ///< outstanding pings per actor (window mode); 0: no window
  std::int64_t tick_ns = 0;  ///< ping period per actor when window is 0; 0: idle actors
};

/// The name of actor `actor` ("a17") and its pod ("sim-3").
// Built with append: `"a" + std::to_string(...)` trips GCC 12's false -Wrestrict warning.
inline std::string actor_name(int actor) { return std::string("a").append(std::to_string(actor)); }
inline std::string pod_name(int pod) { return std::string("sim-").append(std::to_string(pod)); }

class member final : public troupe::actor<protocol> {
 public:
  member(int pod, int index, app_options options, counters* seen)
      : pod_(pod), index_(index), options_(options), seen_(seen) {}

  void pre_start() override {
    // Peers are fixed per actor and always on another pod: pod offsets 1..pods-1, spread
    // over the cluster by the actor's index.
    const int others = options_.pods - 1;
    for (int k = 0; k < options_.peers_per_actor && others > 0; ++k) {
      const int pod = (pod_ + 1 + (index_ + k * 7) % others) % options_.pods;
      const int actor = (index_ * 31 + k * 17) % options_.actors_per_pod;
      const std::string path = std::string("/user/").append(actor_name(actor));
      peers_.push_back(system().remote_ref<protocol>(pod_name(pod), path));
    }
    if (peers_.empty()) return;
    if (options_.window > 0) {
      for (int i = 0; i < options_.window; ++i) send_ping();
    } else if (options_.tick_ns > 0) {
      // Spread the actors' first ticks over one period, so that the pod does not send all
      // its pings at the same instant.
      const std::int64_t first_ns = options_.tick_ns * (index_ + 1) / (options_.actors_per_pod + 1);
      start_single_timer("first", tick{}, std::chrono::nanoseconds(first_ns));
    }
  }

  void on_message(protocol& message) override {
    if (auto* p = std::get_if<ping>(&message)) {
      ++seen_->handled;
      reply(pong{p->sequence});
    } else if (std::holds_alternative<pong>(message)) {
      ++seen_->handled;
      if (options_.window > 0) send_ping();
    } else {
      if (!timer_active("tick"))
        start_periodic_timer("tick", tick{}, std::chrono::nanoseconds(options_.tick_ns));
      send_ping();
    }
  }

 private:
  void send_ping() {
    ++seen_->pings_sent;
    peers_[next_peer_].tell(ping{++sent_});
    next_peer_ = (next_peer_ + 1) % peers_.size();
  }

  int pod_;
  int index_;
  app_options options_;
  counters* seen_;
  std::vector<troupe::actor_ref<protocol>> peers_;
  std::size_t next_peer_ = 0;
  std::uint64_t sent_ = 0;
};

/// Boots `actors_per_pod` members on a pod of the "sim" deployment.
inline troupe::sim::boot_function boot(app_options options, counters* seen) {
  return [options, seen](troupe::actor_system& system, const troupe::sim::pod_info& pod) {
    for (int i = 0; i < options.actors_per_pod; ++i) {
      auto spawned = system.spawn_with<member>({actor_name(i), {}}, pod.ordinal, i, options, seen);
      TROUPE_ASSERT(spawned.ok());
    }
  };
}

}  // namespace sim_bench
