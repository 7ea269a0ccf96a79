#pragma once
/// Per-message-type statistics: counts, drops by reason, delivery latency percentiles.

#include <cstdint>
#include <utility>
#include <vector>

#include "troupe/trace_model/filter.hpp"
#include "troupe/trace_model/trace.hpp"

namespace troupe::trace_model {

struct type_statistics {
  string_id type = no_index;
  std::uint64_t sent = 0;        ///< send events
  std::uint64_t delivered = 0;   ///< deliver events (a duplicated message counts twice)
  std::uint64_t dropped = 0;     ///< drop events
  std::uint64_t unfinished = 0;  ///< sends neither delivered nor dropped by the end
  std::vector<std::pair<string_id, std::uint64_t>> drops_by_reason;  ///< sorted by reason name
  /// Delivery latency (deliver t - send t) percentiles by nearest rank; 0 when none delivered.
  std::int64_t latency_p50_ns = 0;
  std::int64_t latency_p90_ns = 0;
  std::int64_t latency_p99_ns = 0;
  std::int64_t latency_max_ns = 0;
};

/// One entry per message type with at least one visible message, sorted by type name. Only
/// messages passing `filter` count.
[[nodiscard]] std::vector<type_statistics> compute_statistics(const trace& t,
                                                              const trace_filter& filter = {});

/// The nearest-rank percentile (0 < p <= 100) of `values`, which it reorders. 0 when empty.
[[nodiscard]] std::int64_t percentile(std::vector<std::int64_t>& values, double p);

}  // namespace troupe::trace_model
