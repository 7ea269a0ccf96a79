#include "troupe/simnet/actor_faults.hpp"

#include <algorithm>

#include "troupe/simnet/pod.hpp"
#include "troupe/simnet/simulation.hpp"

namespace troupe::sim {

simulation* simulation_of(actor_system& system) {
  auto* simulated = dynamic_cast<sim_platform*>(&system.get_platform());
  return simulated != nullptr ? &simulated->sim() : nullptr;
}

std::optional<std::string> request_fault(actor_system& system, fault f) {
  simulation* sim = simulation_of(system);
  if (sim == nullptr) {
    return "fault requested by an actor of node '" + std::string(system.node_name()) +
           "', which does not run in a simulation (faults from actor code are simnet's)";
  }
  f.at_ns = std::max(f.at_ns, sim->now_ns());
  if (auto problem = sim->validate({f})) return problem;
  // An event of its own, queued behind the current one even at the same time.
  sim->schedule({f});
  return std::nullopt;
}

}  // namespace troupe::sim
