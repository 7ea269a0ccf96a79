#pragma once
/// Faults the simulation injects, as data: what the scenario files' fault schedules and the
/// fault generator produce.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "troupe/simnet/network.hpp"

namespace troupe::sim {

enum class fault_kind {
  partition,  ///< cut the network (groups, or one-way from -> to)
  heal,       ///< remove every partition
  kill,       ///< crash a pod: in-memory state lost, in-flight messages to it dropped
  restart,    ///< start a killed or stopped pod again as a new incarnation
  stop,       ///< stop a pod gracefully (SIGTERM): shutdown hooks run
  scale,      ///< set a deployment's replica count (StatefulSet order)
  skew,       ///< set a pod's clock offset and rate
  pause,      ///< freeze a pod (SIGSTOP): no turns, no timers, messages wait
  resume,     ///< unfreeze a paused pod
  network,    ///< change the default link conditions
};

/// The scenario-file name of a fault kind ("partition").
const char* to_string(fault_kind kind);
std::optional<fault_kind> fault_kind_from_string(const std::string& name);

/// One fault at a virtual time. Which fields matter depends on `kind`.
struct fault {
  std::int64_t at_ns = 0;
  fault_kind kind = fault_kind::heal;
  std::string pod;                               ///< kill, restart, stop, skew, pause, resume
  std::vector<std::vector<std::string>> groups;  ///< partition
  std::vector<std::string> from, to;             ///< one-way partition
  bool one_way = false;
  std::string deployment;  ///< scale
  int replicas = 0;        ///< scale
  std::int64_t offset_ns = 0;  ///< skew
  double rate = 1.0;           ///< skew
  link_conditions conditions;  ///< network
};

}  // namespace troupe::sim
