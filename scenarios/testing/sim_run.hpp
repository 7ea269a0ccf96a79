#pragma once
// Test support: runs an application in the simulator with a server deployment, a client
// deployment and a fault schedule, then checks the trace with the harness's checkers. It is
// the scenario runner in miniature, for the applications' own tests.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "troupe/apps/application.hpp"
#include "troupe/simnet/faults.hpp"
#include "troupe/simnet/network.hpp"

namespace troupe::apps::testing {

struct run_config {
  std::string scenario = "apps-test";
  std::uint64_t seed = 1;
  std::string server_deployment = "kv";
  int servers = 3;
  std::string client_deployment = "client";
  int client_pods = 1;
  workload load;
  sim::link_conditions network;
  std::vector<sim::fault> faults;
  std::int64_t duration_ns = 10'000'000'000;
  std::vector<std::string> properties = {"linearizable", "no_lost_acknowledged_writes"};
  bool keep_trace = false;  ///< leave the trace file for a human (its path is reported)
};

struct run_outcome {
  std::map<std::string, std::string> failures;  ///< property -> message, for failed ones
  std::map<std::string, int> phases;            ///< completions by phase (ok, fail, info)
  std::string trace_path;
  bool passed() const { return failures.empty(); }
  int ok() const { return phases.count("ok") ? phases.at("ok") : 0; }
};

/// Runs `app` as `config` says and checks `config.properties` on the trace.
run_outcome run(application& app, const run_config& config);

/// A random schedule of `count` faults between `from_ns` and `to_ns` over the server pods:
/// partitions (one pod from the others) healed later, kills restarted later, pauses resumed
/// later. Disruptions do not overlap, and the last is over by `to_ns`.
std::vector<sim::fault> random_faults(std::uint64_t seed, const std::string& deployment,
                                      int servers, int count, std::int64_t from_ns,
                                      std::int64_t to_ns);

}  // namespace troupe::apps::testing
