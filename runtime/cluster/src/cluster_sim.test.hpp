#pragma once
// Test support: runs a deployment whose every pod runs the cluster actor in the simulator,
// keeps the trace in memory, and judges it from the trace alone: the membership checker of
// troupe_checkers, and a split-brain check over the resolver's `sbr` events.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "troupe/checkers/membership.hpp"
#include "troupe/checkers/singleton.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/cluster/cluster.hpp"
#include "troupe/cluster/singleton.hpp"
#include "troupe/simnet/simulation.hpp"

namespace cluster_sim {

using troupe::sim::fault;
using troupe::sim::fault_kind;
constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;

struct run_options {
  std::string name = "cluster";
  int pods = 3;
  std::vector<fault> faults;
  std::int64_t duration_ns = 20 * s;
  std::uint64_t seed = 1;
  troupe::cluster::cluster_settings settings;  ///< seed_nodes are filled in: kv-0..kv-2
  bool singleton = false;  ///< also run a singleton_manager of `idle_singleton` on every pod
  troupe::sim::boot_function boot;  ///< when set, boots the pods instead of `boot` below
};

/// The singleton of the tests: does nothing, its life is what counts.
struct idle_singleton final : troupe::actor<int> {
  void on_message(int&) override {}
};

struct run_result {
  std::vector<std::string> lines;
  std::vector<nlohmann::json> events;  ///< every event after the header
  troupe::checkers::verdict membership;
  std::string split_brain;  ///< empty: no two disjoint sides both kept serving
  std::uint64_t trace_hash = 0;
};

inline fault at(std::int64_t t, fault_kind kind, std::string pod = {}) {
  fault f;
  f.at_ns = t;
  f.kind = kind;
  f.pod = std::move(pod);
  return f;
}

inline fault split(std::int64_t t, std::vector<std::vector<std::string>> groups) {
  fault f = at(t, fault_kind::partition);
  f.groups = std::move(groups);
  return f;
}

inline fault scale_to(std::int64_t t, int replicas) {
  fault f = at(t, fault_kind::scale);
  f.deployment = "kv";
  f.replicas = replicas;
  return f;
}

/// Replays the trace: a pod serves while its own last status is `up` (and it is not killed,
/// stopped or scaled away). A resolver `keep` decision stays in force while its pod serves.
/// A split brain is two decisions in force whose kept sides are disjoint and each of which
/// downed a member of the other's kept side (members as node#uid): both sides of one split
/// believe they are the survivors.
inline std::string check_split_brain(const std::vector<nlohmann::json>& events) {
  struct decision {
    std::set<std::string> kept, downed;
  };
  std::map<std::string, bool> serving;
  std::map<std::string, decision> in_force;
  auto stop_serving = [&](const std::string& pod) {
    serving[pod] = false;
    in_force.erase(pod);
  };
  auto intersects = [](const std::set<std::string>& a, const std::set<std::string>& b) {
    for (const auto& x : a)
      if (b.contains(x)) return true;
    return false;
  };
  for (const auto& e : events) {
    const std::string ev = e["ev"], pod = e["pod"];
    if (ev == "member" && e["member"] == pod) {
      const std::string status = e["status"];
      if (status == "up")
        serving[pod] = true;
      else if (status != "reachable" && status != "unreachable")
        stop_serving(pod);
    } else if (ev == "fault") {
      const std::string kind = e["kind"];
      if (kind == "kill" || kind == "stop") stop_serving(pod);
      if (kind == "scale")
        for (const auto& removed : e["removed"]) stop_serving(removed.get<std::string>());
    } else if (ev == "sbr" && e["decision"] == "keep" && serving[pod]) {
      decision mine;
      for (const auto& id : e["kept_ids"]) mine.kept.insert(id.get<std::string>());
      for (const auto& id : e["downed_ids"]) mine.downed.insert(id.get<std::string>());
      for (const auto& [other, theirs] : in_force) {
        if (other == pod || !serving[other]) continue;
        if (!intersects(mine.kept, theirs.kept) && intersects(mine.downed, theirs.kept) &&
            intersects(theirs.downed, mine.kept))
          return "at t=" + std::to_string(e["t"].get<std::int64_t>()) + " " + pod +
                 " keeps a side whose members " + other + "'s side downed, while " + other +
                 " still serves";
      }
      in_force[pod] = mine;
    }
  }
  return {};
}

/// Boots the cluster actor on every pod, seeds kv-0, kv-1, kv-2.
inline troupe::sim::boot_function boot(troupe::cluster::cluster_settings settings, bool singleton) {
  settings.seed_nodes = {"kv-0", "kv-1", "kv-2"};
  return [settings, singleton](troupe::actor_system& system, const troupe::sim::pod_info&) {
    auto started = troupe::cluster::start_cluster(system, settings);
    TROUPE_ASSERT(started.ok());
    if (!singleton) return;
    auto manager = system.spawn_with<troupe::cluster::singleton_manager<idle_singleton>>(
        {"singleton", {}}, std::string("idle"), std::int64_t{1'000'000'000});
    TROUPE_ASSERT(manager.ok());
  };
}

inline run_result run(const run_options& options,
                      const troupe::checkers::membership_options& checker = {}) {
  troupe::sim::simulation_config config;
  config.seed = options.seed;
  config.scenario = options.name;
  config.capture_trace = true;
  for (int i = 0; i < options.pods; ++i) config.initial_pods.push_back("kv-" + std::to_string(i));
  run_result out;
  {
    troupe::sim::simulation sim(config);
    sim.add_deployment("kv", options.pods,
                       options.boot ? options.boot : boot(options.settings, options.singleton));
    auto problem = sim.validate(options.faults);
    EXPECT_FALSE(problem.has_value()) << *problem;
    sim.schedule(options.faults);
    sim.run_until(options.duration_ns);
    out.lines = sim.trace().lines();
    out.trace_hash = sim.trace().hash();
  }
  if (const char* dump = std::getenv("TROUPE_CLUSTER_DUMP")) {  // debugging aid: keep the trace
    std::ofstream file(dump);
    for (const auto& line : out.lines) file << line << "\n";
  }
  for (std::size_t i = 1; i < out.lines.size(); ++i)
    out.events.push_back(nlohmann::json::parse(out.lines[i]));
  auto parsed = troupe::checkers::read_trace_lines(out.lines);
  EXPECT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().header.pods.size(), static_cast<std::size_t>(options.pods));
  if (parsed.ok())
    out.membership = troupe::checkers::check_membership_converges(parsed.value(), checker);
  out.split_brain = check_split_brain(out.events);
  return out;
}

/// Where the singleton started and runs at the end of a run, and the first moment two pods
/// ran it ("" if never) as `singleton_unique` judges it (harness/checkers, with its pause
/// rule: an instance on a pod paused when another pod starts one is stale, and must stop
/// within 250 ms of the resume).
struct singleton_report {
  std::string overlap;
  std::vector<std::pair<std::int64_t, std::string>> starts;  ///< (t, pod)
  std::set<std::string> running_at_end;
};
inline singleton_report check_singleton(const run_result& r) {
  singleton_report out;
  auto parsed = troupe::checkers::read_trace_lines(r.lines);
  if (!parsed) {
    out.overlap = "unreadable trace: " + parsed.failure().to_string();
    return out;
  }
  const auto unique = troupe::checkers::check_singleton_unique(*parsed);
  if (!unique.ok) out.overlap = unique.message;
  std::set<std::string> running;
  for (const auto& e : r.events) {
    const std::string ev = e["ev"], pod = e["pod"];
    if (ev == "singleton" && e["state"] == "started") {
      running.insert(pod);
      out.starts.emplace_back(e["t"].get<std::int64_t>(), pod);
    } else if (ev == "singleton") {
      running.erase(pod);
    } else if (ev == "fault" && (e["kind"] == "kill" || e["kind"] == "stop")) {
      running.erase(pod);
    } else if (ev == "fault" && e["kind"] == "scale") {
      for (const auto& removed : e["removed"]) running.erase(removed.get<std::string>());
    }
  }
  out.running_at_end = running;
  return out;
}

/// Statuses `pod` recorded about `member`, in order, with their times.
inline std::vector<std::pair<std::int64_t, std::string>> statuses(const run_result& r,
                                                                  const std::string& pod,
                                                                  const std::string& member) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& e : r.events)
    if (e["ev"] == "member" && e["pod"] == pod && e["member"] == member)
      out.emplace_back(e["t"].get<std::int64_t>(), e["status"].get<std::string>());
  return out;
}

inline bool saw(const run_result& r, const std::string& pod, const std::string& member,
                const std::string& status) {
  for (const auto& [t, s] : statuses(r, pod, member))
    if (s == status) return true;
  return false;
}

/// The first time `pod` recorded `status` for `member` at or after `from`; -1 if never.
inline std::int64_t first_time(const run_result& r, const std::string& pod,
                               const std::string& member, const std::string& status,
                               std::int64_t from = 0) {
  for (const auto& [t, s] : statuses(r, pod, member))
    if (s == status && t >= from) return t;
  return -1;
}

}  // namespace cluster_sim
