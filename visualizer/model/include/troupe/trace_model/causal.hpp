#pragma once
/// Causal past and future of an event (Lamport's happens-before).
///
/// e1 happens before e2 when e1 comes before e2 on the same pod (program order), or e1 is the
/// send of a message whose deliver is e2, or by transitivity. A drop is not a delivery, so it
/// carries no causality. Events on no pod (cluster-wide faults, verdicts) are in neither set.

#include <cstdint>
#include <vector>

#include "troupe/trace_model/trace.hpp"

namespace troupe::trace_model {

/// Because program order is total per pod, the past is a prefix of each pod's event list and
/// the future a suffix: one bound per pod (a vector clock) describes each set exactly.
struct causal_cone {
  std::uint32_t origin = no_index;
  /// per pod: events at positions <= past_last[pod] happen before origin (-1: none)
  std::vector<std::int64_t> past_last;
  /// per pod: events at positions >= future_first[pod] happen after origin
  std::vector<std::int64_t> future_first;

  /// The event happens before origin (origin itself excluded).
  [[nodiscard]] bool in_past(const trace& t, std::uint32_t event_index) const;
  /// Origin happens before the event (origin itself excluded).
  [[nodiscard]] bool in_future(const trace& t, std::uint32_t event_index) const;
  [[nodiscard]] std::size_t past_count() const;
  [[nodiscard]] std::size_t future_count(const trace& t) const;
};

/// Computes the cone of `origin`. Cost: linear in the events of the cone.
[[nodiscard]] causal_cone compute_causal_cone(const trace& t, std::uint32_t origin);

}  // namespace troupe::trace_model
