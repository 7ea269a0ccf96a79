#pragma once
/// \file singleton.hpp
/// "singleton_unique" (docs/checkers.md): at no moment of the run do two pods run an instance
/// of the same cluster singleton. Reads `singleton` and `fault` events.

#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Replays `singleton` events in trace order: a pod runs singleton N from its `started`
/// event until its `stopped` event, or until the pod is killed, stopped or removed by a
/// `scale` fault (the instance dies with its pod). A paused pod still runs it: it has not
/// stopped the instance and resumes with it. After every event, each name must run on at
/// most one pod. The verdict names the first moment two pods run one name, and since when
/// each of them does; `at_seq` is the event that made the second one.
[[nodiscard]] verdict check_singleton_unique(const trace& events);

}  // namespace troupe::checkers
