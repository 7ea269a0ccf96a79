#pragma once
/// Per-message-type statistics of the filtered messages: counts, drops by reason and delivery
/// latency percentiles. Recomputed only when the filter changes. UI thread only.

#include <cstdint>
#include <vector>

#include "troupe/trace_model/statistics.hpp"
#include "viewer_state.hpp"

namespace troupe::viz {

struct stats_cache {
  std::vector<trace_model::type_statistics> rows;
  std::uint64_t filter_generation = ~0ull;
};

void draw_stats_panel(const trace& t, const viewer_state& state, stats_cache& cache);

}  // namespace troupe::viz
