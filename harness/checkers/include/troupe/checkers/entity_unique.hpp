#pragma once
/// \file entity_unique.hpp
/// "entity_unique" (docs/checkers.md): at every moment of the trace, each sharded entity
/// (type, id) has at most one active instance. Reads the `entity_start` and `entity_stop`
/// events the shard regions write (docs/trace-format.md) and the `fault` events: a pod that
/// is killed, stopped or scaled away ends every instance on it. A paused pod's instances stay
/// active (the pod has not stopped them), except under the pause rule: an instance on a pod
/// that is paused when another instance of its entity starts is *stale*. It does not count
/// while its pod stays paused and for `stale_stop_within_ns` after the resume (the region
/// checks its lease before every delivery and stops stale instances at its next tick), and it
/// must receive no message after the resume (an `entity_route` `delivered` step).

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/checkers/result.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Replays `entities` and `faults` in seq order and reports the first moment an entity had
/// two active instances that count: which entity, on which pods, and the seq of the event at
/// which it was seen.
[[nodiscard]] verdict check_entity_unique(const std::vector<entity_event>& entities,
                                          const std::vector<fault_event>& faults,
                                          std::int64_t stale_stop_within_ns = 250'000'000);

/// The same over a whole trace (its `entities`, `faults` and `routes`), which also fails a
/// stale instance that gets a message after its pod resumed.
[[nodiscard]] verdict check_entity_unique(const trace& events,
                                          std::int64_t stale_stop_within_ns = 250'000'000);

}  // namespace troupe::checkers
