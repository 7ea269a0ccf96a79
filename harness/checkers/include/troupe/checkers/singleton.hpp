#pragma once
/// \file singleton.hpp
/// "singleton_unique" (docs/checkers.md): at no moment of the run do two pods run an instance
/// of the same cluster singleton. Reads `singleton` and `fault` events.

#include <cstdint>

#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Replays `singleton` events in trace order: a pod runs singleton N from its `started`
/// event until its `stopped` event, or until the pod is killed, stopped or removed by a
/// `scale` fault (the instance dies with its pod). A paused pod still runs it, with one
/// exception, the pause rule: an instance on a pod that is paused when another pod starts
/// one is *stale* and does not count while its pod stays paused and for
/// `stale_stop_within_ns` after the resume (the holder's lease has expired; it stops the
/// instance at its first tick). At every event, each name must run on at most one pod. The
/// verdict names the first moment two pods run one name, and since when each of them does;
/// `at_seq` is the event at which it was seen.
[[nodiscard]] verdict check_singleton_unique(const trace& events,
                                             std::int64_t stale_stop_within_ns = 250'000'000);

}  // namespace troupe::checkers
