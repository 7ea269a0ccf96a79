#pragma once
// A synthetic trace conforming to docs/trace-format.md, until a simnet scenario can write one
// of a million events: pods exchanging messages with varied latencies, drops, duplicates,
// timers, logs, a partition and heal, a kill and restart, a scale up and down, a clock skew
// and two verdicts.

#include <cstdint>
#include <string>

namespace troupe::bench {

struct synthetic_trace_options {
  std::uint64_t events = 1'000'000;  ///< approximate number of event lines
  std::uint64_t seed = 1;
  int pods = 8;
};

/// Writes the trace to `path`. Returns the number of events written, or -1 on an I/O error.
std::int64_t write_synthetic_trace(const std::string& path, const synthetic_trace_options& options);

}  // namespace troupe::bench
