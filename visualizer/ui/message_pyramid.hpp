#pragma once
/// Messages pre-counted in time bins at several resolutions, so a zoomed-out diagram is built
/// from a few thousand bins instead of every message (panning a million-event trace).
///
/// Level 0 bins are trace span / 2^16 wide; each level doubles them. An entry counts the
/// messages of one (from pod, to pod) pair sent in one bin and ending in one bin. Messages
/// longer than trace::short_message_ns_max are left out (the diagram walks those one by one).
/// Built from the messages that pass a filter; rebuilt when the filter changes. Pure C++.

#include <cstdint>
#include <vector>

#include "viewer_state.hpp"

namespace troupe::viz {

struct pyramid_entry {
  std::int64_t send_bin = 0;
  std::int64_t end_bin = 0;
  std::uint32_t first_message = trace_model::no_index;  ///< the earliest message counted
  std::uint32_t count = 0;
  pod_index from_pod = trace_model::no_pod;
  pod_index to_pod = trace_model::no_pod;
  bool dropped = false;  ///< at least one of the messages was dropped
};

/// Bins of level 0 across the trace.
inline constexpr std::int64_t pyramid_bins_level0 = 1 << 16;
/// Levels stop when one has fewer entries than this.
inline constexpr std::size_t pyramid_entries_min = 512;

struct message_pyramid {
  std::int64_t origin_ns = 0;        ///< start of bin 0
  std::int64_t bin_ns_level0 = 1;
  std::vector<std::vector<pyramid_entry>> levels;  ///< entries sorted by send_bin

  [[nodiscard]] std::int64_t bin_ns(std::size_t level) const { return bin_ns_level0 << level; }
  /// Total messages counted (all levels count the same messages).
  [[nodiscard]] std::uint64_t message_count() const;
};

/// Builds the pyramid of the messages passing `filter`.
[[nodiscard]] message_pyramid build_message_pyramid(const trace& t,
                                                    const trace_model::trace_filter& filter);

}  // namespace troupe::viz
