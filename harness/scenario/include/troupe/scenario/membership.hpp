#pragma once
/// Starting a scenario's cluster membership on a server pod (the `cluster` object,
/// docs/scenario-format.md, "Cluster"): the same on every platform that runs scenario pods,
/// the simulator (harness/runner) and real processes (`troupe node`, harness/node).

#include <string>

#include "troupe/runtime/system.hpp"
#include "troupe/scenario/scenario.hpp"

namespace troupe::scenario {

/// Spawns the cluster actor ("cluster", /user/cluster) and, when the scenario asks for one,
/// the singleton's manager ("singleton-<name>", running an actor that does nothing: its
/// `singleton` trace events are what `singleton_unique` checks). Call at each start of a
/// server pod, before the application's servers (which may subscribe to the cluster).
/// Returns "" or why an actor could not be spawned (its name was taken).
[[nodiscard]] std::string start_membership(actor_system& system, const cluster_config& config);

}  // namespace troupe::scenario
