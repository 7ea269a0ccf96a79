#pragma once
/// Faults requested from actor code under test: an actor that runs in a simulation can ask
/// for a fault at the exact step of its protocol that should be tested, e.g. kill its own
/// pod after it has written to one replica and before the second, or cut the network when
/// it becomes leader. The fault is traced as any other (`fault` event) and replays with the
/// seed. On threads or real sockets there is no simulation, and the request is refused.

#include <optional>
#include <string>

#include "troupe/runtime/system.hpp"
#include "troupe/simnet/faults.hpp"

namespace troupe::sim {

class simulation;

/// The simulation that runs `system`, or nullptr when it runs on another platform.
[[nodiscard]] simulation* simulation_of(actor_system& system);

/// Requests fault `f` for virtual time `f.at_ns` (earlier times mean now), checked against
/// the simulation's pods as a scenario's faults are. It happens after the current turn at
/// the earliest, never inside it: a kill of the requesting actor's own pod lets the turn
/// that asked for it finish first (what it sent is in flight and dropped with the pod).
/// Returns the problem when the fault is invalid or `system` is not simulated.
[[nodiscard]] std::optional<std::string> request_fault(actor_system& system, fault f);

}  // namespace troupe::sim
