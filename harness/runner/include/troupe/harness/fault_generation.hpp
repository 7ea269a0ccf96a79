#pragma once
/// Generation of fault schedules for `troupe check` from a scenario's `generator` object
/// (docs/scenario-format.md), with RapidCheck generators so that a failing case shrinks
/// along RapidCheck's shrink tree. Every generated schedule names only pods that exist at the
/// time of each fault, so the simulator's validation accepts it.

#include <rapidcheck.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "troupe/scenario/scenario.hpp"

namespace troupe::harness {

/// One generated fault with its end: a partition and its heal, a kill and its restart... A
/// scale episode is one `scale` fault that sets the replica count and has no end.
struct episode {
  sim::fault_kind kind = sim::fault_kind::partition;
  std::int64_t at_ms = 0;      ///< since the start of the generator's window
  std::int64_t length_ms = 0;  ///< until the end fault (partition, kill, stop, pause)
  std::size_t pod = 0;         ///< index into the server pods that exist throughout the episode
  std::vector<bool> side;      ///< partition: which server pods are on the first side
  int replicas = 0;            ///< scale: the count, within generator.scale's min..max
};

/// A generated case: the episodes and the number of clients per client pod.
struct generated_case {
  std::vector<episode> episodes;
  int clients = 1;
};

/// The fault that ends an episode of `kind`: heal after a partition, restart after a kill or
/// stop, resume after a pause; none for the others.
std::optional<sim::fault_kind> episode_end(sim::fault_kind kind);

/// The generator of cases of `base`, whose `generator` must be set. A case shrinks by
/// losing episodes, then by moving, shortening and lowering (scale counts toward `min`) the
/// ones it keeps, then by fewer clients. Scenarios without `generator.scale` draw exactly
/// the cases they drew before scale episodes existed.
rc::Gen<generated_case> case_gen(const scenario::scenario& base);

/// The scenario a case stands for: `base` with the case's faults in time order, its client
/// count and `seed`, without the generator. A pod named by an episode exists from its
/// fault to its end whatever the scale faults do meanwhile; a partition when fewer than two
/// server pods exist is left out.
scenario::scenario materialize(const scenario::scenario& base, const generated_case& c,
                               std::uint64_t seed);

}  // namespace troupe::harness
