// troupe-cluster-measure: measures in simulation, with default settings, over many seeds:
// how long a cluster takes to form, and how long after a pod is killed the survivors remove
// it and agree again (every survivor sees exactly the survivors up), and, in a second run per
// seed that kills the singleton holder kv-0, how long until another pod runs the singleton
// (1 s hand-over margin). With --sharding it measures cluster sharding instead: 30 shards of
// an idle entity type, every shard allocated; kill the last pod (or, in a second run per
// seed, kv-0, which runs the coordinator) at t = 10 s and replay the `shard_start`,
// `shard_stop` and `fault` events until every shard is hosted by exactly one survivor.
// Prints JSON.
//
//   troupe-cluster-measure [--seeds N] [--pods P] [--sharding]

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "troupe/cluster/cluster.hpp"
#include "troupe/cluster/sharding.hpp"
#include "troupe/cluster/singleton.hpp"
#include "troupe/simnet/simulation.hpp"

namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;

/// Replays member events; answers "does every pod of `pods` see exactly `pods` up?".
class views {
 public:
  void apply(const nlohmann::json& e) {
    auto& members = views_[e["pod"].get<std::string>()];
    auto [at, fresh] = members.try_emplace(e["member"].get<std::string>(), "", true);
    auto& seen = at->second;
    const std::string status = e["status"];
    if (status == "unreachable")
      seen.second = false;
    else if (status == "reachable")
      seen.second = true;
    else
      seen.first = status;
  }
  bool agree(const std::set<std::string>& pods) const {
    for (const auto& pod : pods) {
      auto found = views_.find(pod);
      if (found == views_.end()) return false;
      std::set<std::string> up;
      for (const auto& [member, seen] : found->second)
        if (seen.first == "up" && seen.second) up.insert(member);
      if (up != pods) return false;
    }
    return true;
  }
  void forget(const std::string& pod) { views_.erase(pod); }

 private:
  std::map<std::string, std::map<std::string, std::pair<std::string, bool>>> views_;
};

/// The singleton of the measurement: does nothing.
struct idle_singleton final : troupe::actor<int> {
  void on_message(int&) override {}
};

/// The entity of the sharding measurement: answers nothing, its shard's home is what counts.
struct idle_entity final : troupe::actor<std::string> {
  void on_message(std::string&) override {}
};

/// Kills kv-0 (`kill_holder`: it runs the coordinator) or the last pod at 10 s; returns the
/// time from the kill until every shard is hosted by exactly one live pod (-1: never).
std::int64_t measure_sharding(std::uint64_t seed, int pods, bool kill_holder) {
  const std::int64_t kill_at = 10 * s;
  const std::uint32_t shards = troupe::cluster::sharding_settings{}.shard_count;
  troupe::sim::simulation_config config;
  config.seed = seed;
  config.scenario = "sharding-measure";
  config.capture_trace = true;
  troupe::cluster::cluster_settings settings;
  settings.seed_nodes = {"kv-0", "kv-1", "kv-2"};
  const std::string victim = kill_holder ? "kv-0" : "kv-" + std::to_string(pods - 1);
  std::vector<std::string> lines;
  {
    troupe::sim::simulation sim(config);
    sim.add_deployment(
        "kv", pods, [settings](troupe::actor_system& system, const troupe::sim::pod_info&) {
          TROUPE_ASSERT(troupe::cluster::start_cluster(system, settings).ok());
          troupe::cluster::entity_extractor<std::string> extractor;
          extractor.entity_id = [](const std::string& id) { return id; };
          TROUPE_ASSERT(troupe::cluster::start_sharding<idle_entity>(system, {}, extractor).ok());
        });
    troupe::sim::fault kill;
    kill.at_ns = kill_at;
    kill.kind = troupe::sim::fault_kind::kill;
    kill.pod = victim;
    sim.schedule({kill});
    sim.run_until(kill_at + 20 * s);
    lines = sim.trace().lines();
  }
  std::map<std::uint32_t, std::set<std::string>> hosts;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].find("\"shard_st") == std::string::npos &&
        lines[i].find("\"fault\"") == std::string::npos)
      continue;
    const auto e = nlohmann::json::parse(lines[i]);
    const std::int64_t t = e["t"];
    if (e["ev"] == "fault" && e["kind"] == "kill")
      for (auto& [shard, on] : hosts) on.erase(e["pod"].get<std::string>());
    if (e["ev"] == "shard_start")
      hosts[e["shard"].get<std::uint32_t>()].insert(e["pod"].get<std::string>());
    if (e["ev"] == "shard_stop")
      hosts[e["shard"].get<std::uint32_t>()].erase(e["pod"].get<std::string>());
    if (t < kill_at || hosts.size() < shards) continue;
    bool served = true;
    for (const auto& [shard, on] : hosts) served = served && on.size() == 1 && !on.contains(victim);
    if (served) return t - kill_at;
  }
  return -1;
}

struct sample {
  std::int64_t formed_ns = -1;    ///< from t=0 until all pods see all up
  std::int64_t detected_ns = -1;  ///< from the kill until a survivor marks it unreachable
  std::int64_t removed_ns = -1;   ///< from the kill until every survivor removed it
  std::int64_t converged_ns =
      -1;  ///< from the kill until every survivor sees exactly the survivors up
  std::int64_t singleton_ns = -1;  ///< from the kill of the holder until another pod runs it
};

/// Kills the singleton's holder (`kill_holder`, kv-0, the oldest) or the last pod.
sample measure(std::uint64_t seed, int pods, bool kill_holder) {
  const std::int64_t kill_at = 10 * s;
  troupe::sim::simulation_config config;
  config.seed = seed;
  config.scenario = "cluster-measure";
  config.capture_trace = true;
  troupe::cluster::cluster_settings settings;
  settings.seed_nodes = {"kv-0", "kv-1", "kv-2"};
  std::vector<std::string> lines;
  {
    troupe::sim::simulation sim(config);
    sim.add_deployment(
        "kv", pods, [settings](troupe::actor_system& system, const troupe::sim::pod_info&) {
          auto started = troupe::cluster::start_cluster(system, settings);
          TROUPE_ASSERT(started.ok());
          auto manager = system.spawn_with<troupe::cluster::singleton_manager<idle_singleton>>(
              {"singleton", {}}, std::string("idle"), std::int64_t{1'000'000'000});
          TROUPE_ASSERT(manager.ok());
        });
    troupe::sim::fault kill;
    kill.at_ns = kill_at;
    kill.kind = troupe::sim::fault_kind::kill;
    kill.pod = kill_holder ? "kv-0" : "kv-" + std::to_string(pods - 1);
    sim.schedule({kill});
    sim.run_until(kill_at + 30 * s);
    lines = sim.trace().lines();
  }
  std::set<std::string> all, survivors;
  for (int i = 0; i < pods; ++i) all.insert("kv-" + std::to_string(i));
  survivors = all;
  const std::string victim = kill_holder ? "kv-0" : "kv-" + std::to_string(pods - 1);
  survivors.erase(victim);
  views v;
  sample out;
  std::set<std::string> removed_by;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto e = nlohmann::json::parse(lines[i]);
    const std::int64_t t = e["t"];
    if (e["ev"] == "fault" && e["kind"] == "kill") v.forget(victim);
    if (e["ev"] == "singleton" && e["state"] == "started" && t > kill_at && out.singleton_ns < 0)
      out.singleton_ns = t - kill_at;
    if (e["ev"] != "member") continue;
    v.apply(e);
    if (out.formed_ns < 0 && t < kill_at && v.agree(all)) out.formed_ns = t;
    if (t < kill_at) continue;
    const std::string status = e["status"];
    if (e["member"] == victim && status == "unreachable" && out.detected_ns < 0)
      out.detected_ns = t - kill_at;
    if (e["member"] == victim && status == "removed") removed_by.insert(e["pod"]);
    if (out.removed_ns < 0 && removed_by == survivors) out.removed_ns = t - kill_at;
    if (out.converged_ns < 0 && out.removed_ns >= 0 && v.agree(survivors))
      out.converged_ns = t - kill_at;
  }
  return out;
}

nlohmann::json summary(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  const auto missing = std::count(values.begin(), values.end(), -1);
  std::erase(values, -1);
  if (values.empty()) return {{"missing", missing}};
  auto in_ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
  return {{"min_ms", in_ms(values.front())},
          {"median_ms", in_ms(values[values.size() / 2])},
          {"p90_ms", in_ms(values[values.size() * 9 / 10])},
          {"max_ms", in_ms(values.back())},
          {"missing", missing}};
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 50, pods = 3;
  bool sharding = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--sharding") {
      sharding = true;
      --i;
    } else if (i + 1 >= argc) {
      std::cerr << "usage: troupe-cluster-measure [--seeds N] [--pods P] [--sharding]\n";
      return 2;
    } else if (flag == "--seeds")
      seeds = std::atoi(argv[i + 1]);
    else if (flag == "--pods")
      pods = std::atoi(argv[i + 1]);
    else {
      std::cerr << "usage: troupe-cluster-measure [--seeds N] [--pods P] [--sharding]\n";
      return 2;
    }
  }
  if (seeds < 1 || pods < 2 || pods > 64) {
    std::cerr << "--seeds must be >= 1 and --pods in 2..64\n";
    return 2;
  }
  if (sharding) {
    std::vector<std::int64_t> last, holder;
    for (int seed = 1; seed <= seeds; ++seed) {
      last.push_back(measure_sharding(static_cast<std::uint64_t>(seed), pods, false));
      holder.push_back(measure_sharding(static_cast<std::uint64_t>(seed), pods, true));
    }
    const troupe::cluster::sharding_settings defaults;
    nlohmann::json report = {{"pods", pods},
                             {"seeds", seeds},
                             {"shards", defaults.shard_count},
                             {"handover_margin_ms", defaults.handover_margin_ns / ms},
                             {"kill_last_pod_to_all_shards_served", summary(last)},
                             {"kill_coordinator_pod_to_all_shards_served", summary(holder)}};
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  std::vector<std::int64_t> formed, detected, removed, converged, singleton;
  for (int seed = 1; seed <= seeds; ++seed) {
    singleton.push_back(measure(static_cast<std::uint64_t>(seed), pods, true).singleton_ns);
    const sample one = measure(static_cast<std::uint64_t>(seed), pods, false);
    formed.push_back(one.formed_ns);
    detected.push_back(one.detected_ns);
    removed.push_back(one.removed_ns);
    converged.push_back(one.converged_ns);
  }
  const troupe::cluster::cluster_settings defaults;
  nlohmann::json report = {
      {"pods", pods},
      {"seeds", seeds},
      {"settings",
       {{"heartbeat_interval_ms", defaults.failure_detector.heartbeat_interval_ns / ms},
        {"acceptable_pause_ms", defaults.failure_detector.acceptable_pause_ns / ms},
        {"phi_threshold", defaults.failure_detector.threshold},
        {"gossip_interval_ms", defaults.gossip_interval_ns / ms},
        {"stable_after_ms", defaults.downing.stable_after_ns / ms}}},
      {"formation_from_start", summary(formed)},
      {"kill_to_unreachable", summary(detected)},
      {"kill_to_removed_everywhere", summary(removed)},
      {"kill_to_converged", summary(converged)},
      {"singleton_holder_kill_to_restarted", summary(singleton)}};
  std::cout << report.dump(2) << "\n";
  return 0;
}
