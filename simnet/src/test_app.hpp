#pragma once
// A small application for the simulator's tests: every pod runs a "node" actor that pings
// every other pod of its deployment on a timer and answers pings with pongs. Tests read
// what happened from the trace (checkers read the trace, not actor internals).

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "troupe/runtime.hpp"
#include "troupe/simnet/pod.hpp"
#include "troupe/simnet/simulation.hpp"

namespace test_app {

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
struct tick {};
using protocol = std::variant<ping, pong, tick>;

/// What the test can observe besides the trace (hooks that ran).
struct observations {
  int post_stops = 0;
  std::map<std::string, std::vector<std::int64_t>> clock_reads;  // pod -> now_ns() at ticks
};

struct node final : troupe::actor<protocol> {
  node(std::string self, std::vector<std::string> peers, std::int64_t period_ns, observations* seen)
      : self_(std::move(self)), peers_(std::move(peers)), period_ns_(period_ns), seen_(seen) {}
  void pre_start() override {
    if (period_ns_ > 0) start_periodic_timer("tick", tick{}, std::chrono::nanoseconds(period_ns_));
  }
  void post_stop() override { ++seen_->post_stops; }
  void on_message(protocol& m) override {
    if (std::holds_alternative<tick>(m)) {
      seen_->clock_reads[self_].push_back(now_ns());
      for (const auto& peer : peers_)
        if (peer != self_) system().remote_ref<protocol>(peer, "/user/node").tell(ping{++sent_});
    } else if (auto* p = std::get_if<ping>(&m)) {
      reply(pong{p->sequence});
    }
  }
  std::string self_;
  std::vector<std::string> peers_;
  std::int64_t period_ns_;
  observations* seen_;
  std::uint64_t sent_ = 0;
};

/// Boots "node" on every pod; peers are the deployment's first `size` ordinals.
inline troupe::sim::boot_function boot(const std::string& deployment, int size,
                                       std::int64_t period_ns, observations* seen) {
  return [=](troupe::actor_system& system, const troupe::sim::pod_info& pod) {
    std::vector<std::string> peers;
    for (int i = 0; i < size; ++i) peers.push_back(deployment + "-" + std::to_string(i));
    auto spawned = system.spawn_with<node>({"node", {}}, pod.name, peers, period_ns, seen);
    TROUPE_ASSERT(spawned.ok());
  };
}

/// Reads a trace file into JSON objects (the header first).
inline std::vector<nlohmann::json> read_trace(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string text;
  while (std::getline(in, text)) lines.push_back(nlohmann::json::parse(text));
  return lines;
}

inline std::string temp_trace(const std::string& name) {
  return ::testing::TempDir() + "/" + name + ".trace.jsonl";
}

}  // namespace test_app
