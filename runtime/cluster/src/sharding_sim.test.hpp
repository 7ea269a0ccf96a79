#pragma once
// Test support for cluster sharding in simnet: every pod runs the cluster actor and a shard
// region of `echo_entity`, and a prober on every pod asks entities e0..e{entities-1} in turn
// through its local region and records each answer (or its absence) as a `probe` event. The
// trace is judged by troupe_checkers' entity_unique and entity_delivery and by the probes.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster_sim.test.hpp"
#include "troupe/checkers/entity_delivery.hpp"
#include "troupe/checkers/entity_unique.hpp"
#include "troupe/cluster/sharding.hpp"

namespace sharding_sim {

using namespace cluster_sim;

/// A question to entity `entity`; the entity answers with its pod and how many questions
/// this instance has answered.
struct ping {
  std::string entity;
  std::uint64_t n = 0;
  template <class A>
  void fields(A& a) {
    a(entity, n);
  }
};
struct pong {
  std::string entity;
  std::string pod;
  std::uint64_t answered = 0;
  bool refused = false;  ///< the region dropped the question (buffer full)
  template <class A>
  void fields(A& a) {
    a(entity, pod, answered, refused);
  }
};

}  // namespace sharding_sim

TROUPE_MESSAGE(sharding_sim::ping, "sharding_test.ping");
TROUPE_MESSAGE(sharding_sim::pong, "sharding_test.pong");

namespace sharding_sim {

struct echo_entity final : troupe::actor<ping> {
  explicit echo_entity(std::string id) : id_(std::move(id)) {}
  void on_message(ping&) override { reply(pong{id_, system().node_name(), ++answered_, false}); }
  std::string id_;
  std::uint64_t answered_ = 0;
};

using region_ref = troupe::actor_ref<troupe::cluster::region_protocol<ping>>;

struct probe_tick {};

/// Asks one entity every `interval`, round robin, from `start_ns` until `stop_ns`; records
/// {"ev":"probe","entity":..,"n":..,"outcome":"ok"|"refused"|"timeout"|"dead_letter","at":pod}.
struct prober final : troupe::actor<probe_tick> {
  prober(std::string type, int entities, std::int64_t interval_ns, std::int64_t start_ns,
         std::int64_t stop_ns)
      : type_(std::move(type)),
        entities_(entities),
        interval_ns_(interval_ns),
        start_ns_(start_ns),
        stop_ns_(stop_ns) {}
  void pre_start() override {
    start_periodic_timer("probe", probe_tick{}, std::chrono::nanoseconds(interval_ns_));
  }
  void on_message(probe_tick&) override {
    if (now_ns() < start_ns_ || now_ns() >= stop_ns_) return;
    auto region = system().lookup<troupe::cluster::region_protocol<ping>>(
        troupe::cluster::region_name(type_));
    if (!region) return;
    const std::string entity =
        "e" + std::to_string(next_++ % static_cast<std::uint64_t>(entities_));
    const std::uint64_t n = ++sent_;
    ask<pong>(*region, ping{entity, n}, std::chrono::seconds(3),
              [this, entity, n](troupe::result<pong> answer) {
                std::string outcome = "ok", at;
                if (!answer.ok())
                  outcome = answer.failure().code == troupe::error_code::timeout ? "timeout"
                                                                                 : "dead_letter";
                else if (answer.value().refused)
                  outcome = "refused";
                else
                  at = answer.value().pod;
                record("probe", "\"entity\":\"" + entity + "\",\"n\":" + std::to_string(n) +
                                    ",\"outcome\":\"" + outcome + "\",\"at\":\"" + at + "\"");
              });
  }
  std::string type_;
  int entities_;
  std::int64_t interval_ns_, start_ns_, stop_ns_;
  std::uint64_t next_ = 0, sent_ = 0;
};

struct sharding_options {
  run_options cluster;
  troupe::cluster::sharding_settings settings;
  int entities = 20;
  std::int64_t probe_interval_ns = 50 * ms;
  std::int64_t probe_start_ns = 3 * s;
  std::int64_t probe_stop_ns = -1;                   ///< -1: 4 s before the end
  std::vector<std::string> probing_pods = {"kv-0"};  ///< empty: every pod
};

struct sharding_result {
  run_result run;
  troupe::checkers::verdict unique;
  /// entity_delivery: every probe the regions accepted was delivered or reported dropped.
  troupe::checkers::verdict delivery;
  std::vector<troupe::checkers::entity_event> entities;
};

inline troupe::sim::boot_function sharding_boot(const sharding_options& options) {
  auto settings = options.cluster.settings;
  settings.seed_nodes = {"kv-0", "kv-1", "kv-2"};
  const std::int64_t stop =
      options.probe_stop_ns >= 0 ? options.probe_stop_ns : options.cluster.duration_ns - 4 * s;
  return [=](troupe::actor_system& system, const troupe::sim::pod_info& pod) {
    TROUPE_ASSERT(troupe::cluster::start_cluster(system, settings).ok());
    troupe::cluster::entity_extractor<ping> extractor;
    extractor.entity_id = [](const ping& p) { return p.entity; };
    extractor.on_dropped = [](const troupe::any_ref& sender, const ping& p) {
      sender.tell_any(pong{p.entity, "", 0, true});
    };
    TROUPE_ASSERT(
        troupe::cluster::start_sharding<echo_entity>(system, options.settings, extractor).ok());
    const auto& probing = options.probing_pods;
    if (probing.empty() || std::find(probing.begin(), probing.end(), pod.name) != probing.end())
      system.spawn<prober>(options.settings.type_name, options.entities, options.probe_interval_ns,
                           options.probe_start_ns, stop);
  };
}

inline sharding_result run_sharding(sharding_options options) {
  options.cluster.boot = sharding_boot(options);
  sharding_result out;
  out.run = run(options.cluster);
  auto parsed = troupe::checkers::read_trace_lines(out.run.lines);
  EXPECT_TRUE(parsed.ok());
  if (!parsed.ok()) return out;
  out.entities = parsed.value().entities;
  out.unique = troupe::checkers::check_entity_unique(parsed.value());
  out.delivery = troupe::checkers::check_entity_delivery(parsed.value());
  return out;
}

/// The probe events: (t, entity, outcome, answering pod).
struct probe {
  std::int64_t t;
  std::string entity, outcome, at;
};
inline std::vector<probe> probes(const sharding_result& r) {
  std::vector<probe> out;
  for (const auto& e : r.run.events)
    if (e["ev"] == "probe")
      out.push_back({e["t"].get<std::int64_t>(), e["entity"].get<std::string>(),
                     e["outcome"].get<std::string>(), e["at"].get<std::string>()});
  return out;
}

/// Counts probes per outcome.
inline std::map<std::string, int> outcomes(const sharding_result& r) {
  std::map<std::string, int> out;
  for (const auto& p : probes(r)) ++out[p.outcome];
  return out;
}

/// Which pods host which shards after replaying shard_start/shard_stop and kills, stops and
/// scale-downs up to `until_ns`.
inline std::map<std::uint32_t, std::set<std::string>> shard_hosts(const sharding_result& r,
                                                                  std::int64_t until_ns) {
  std::map<std::uint32_t, std::set<std::string>> hosts;
  auto end_pod = [&](const std::string& pod) {
    for (auto& [shard, pods] : hosts) pods.erase(pod);
  };
  for (const auto& e : r.run.events) {
    if (e["t"].get<std::int64_t>() > until_ns) break;
    const std::string ev = e["ev"];
    if (ev == "shard_start")
      hosts[e["shard"].get<std::uint32_t>()].insert(e["pod"].get<std::string>());
    if (ev == "shard_stop")
      hosts[e["shard"].get<std::uint32_t>()].erase(e["pod"].get<std::string>());
    if (ev == "fault" && (e["kind"] == "kill" || e["kind"] == "stop")) end_pod(e["pod"]);
    if (ev == "fault" && e["kind"] == "scale")
      for (const auto& pod : e["removed"]) end_pod(pod.get<std::string>());
  }
  return hosts;
}

/// The first time at or after `from_ns` when every one of `shards` shards is hosted by
/// exactly one pod, none of them in `excluded`; -1 if never.
inline std::int64_t all_shards_served(const sharding_result& r, std::uint32_t shards,
                                      std::int64_t from_ns, const std::set<std::string>& excluded) {
  std::map<std::uint32_t, std::set<std::string>> hosts;
  auto served = [&] {
    if (hosts.size() < shards) return false;
    for (const auto& [shard, pods] : hosts) {
      if (pods.size() != 1) return false;
      if (excluded.contains(*pods.begin())) return false;
    }
    return true;
  };
  auto end_pod = [&](const std::string& pod) {
    for (auto& [shard, pods] : hosts) pods.erase(pod);
  };
  for (const auto& e : r.run.events) {
    const std::string ev = e["ev"];
    const std::int64_t t = e["t"];
    if (ev == "shard_start")
      hosts[e["shard"].get<std::uint32_t>()].insert(e["pod"].get<std::string>());
    else if (ev == "shard_stop")
      hosts[e["shard"].get<std::uint32_t>()].erase(e["pod"].get<std::string>());
    else if (ev == "fault" && (e["kind"] == "kill" || e["kind"] == "stop"))
      end_pod(e["pod"]);
    else if (ev == "fault" && e["kind"] == "scale")
      for (const auto& pod : e["removed"]) end_pod(pod.get<std::string>());
    // Checked after every event: the shards may already be served when `from_ns` comes.
    if (t >= from_ns && served()) return t;
  }
  return -1;
}

}  // namespace sharding_sim
