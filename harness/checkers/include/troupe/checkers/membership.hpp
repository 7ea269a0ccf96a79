#pragma once
/// \file membership.hpp
/// "membership_converges" (docs/checkers.md): after the last fault plus a liveness window,
/// every live pod sees exactly the live pods as `up` and reachable, and keeps seeing so
/// until the trace ends. Reads `member` and `fault` events and the header's pods.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Options of the membership checker.
struct membership_options {
  /// Time after the last fault by which views must have converged, in nanoseconds.
  std::int64_t liveness_window_ns = 10'000'000'000;
  /// When true, a pod that never reported a `member` event about itself counts itself as
  /// up (for runtimes that do not report their own node).
  bool self_implicitly_up = true;
  /// The deployments whose pods form the cluster; a pod is `<deployment>-<ordinal>`. Pods of
  /// other deployments (clients) are neither expected up nor checked. Empty: every pod of the
  /// trace is a member.
  std::vector<std::string> deployments;
};

/// Checks convergence and names the first pod that disagrees, with its view. The verdict is
/// not ok with an "unknown:" message when the trace ends before the liveness window does.
[[nodiscard]] verdict check_membership_converges(const trace& events,
                                                 const membership_options& options = {});

}  // namespace troupe::checkers
