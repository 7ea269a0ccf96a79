#pragma once
/// \file entity_unique.hpp
/// "entity_unique" (docs/checkers.md): at every moment of the trace, each sharded entity
/// (type, id) has at most one active instance. Reads the `entity_start` and `entity_stop`
/// events the shard regions write (docs/trace-format.md) and the `fault` events: a pod that
/// is killed, stopped or scaled away ends every instance on it. A paused pod's instances stay
/// active (the pod has not stopped them).

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/checkers/result.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Replays `entities` and `faults` in seq order and reports the first moment an entity had
/// two active instances: which entity, on which pods, and the seq of the second start.
[[nodiscard]] verdict check_entity_unique(const std::vector<entity_event>& entities,
                                          const std::vector<fault_event>& faults);

/// The same over a whole trace (its `entities` and `faults`).
[[nodiscard]] verdict check_entity_unique(const trace& events);

}  // namespace troupe::checkers
