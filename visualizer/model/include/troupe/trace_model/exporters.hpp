#pragma once
/// Exporting a trace to other viewers.

#include <ostream>
#include <string>

#include "troupe/trace_model/trace.hpp"

namespace troupe::trace_model {

/// Writes Chrome trace event JSON (opens in Perfetto and chrome://tracing): one process per
/// pod, one thread per actor, each message event a slice, each message a flow arrow from its
/// send to its delivery or drop, and faults, verdicts, logs and lifecycle as instant events.
/// Timestamps are microseconds with nanosecond decimals. Returns false if the stream failed.
[[nodiscard]] bool export_perfetto(const trace& t, std::ostream& out);

/// Writes a ShiViz log: first line the parser regular expression, second line an empty
/// execution delimiter, then one line per pod event "<pod> <vector clock> <description>".
/// Vector clocks follow happens-before (program order per pod plus send -> deliver).
[[nodiscard]] bool export_shiviz(const trace& t, std::ostream& out);

/// One-line human description of an event (used by the ShiViz export and the viewer).
[[nodiscard]] std::string describe_event(const trace& t, std::uint32_t event_index);

}  // namespace troupe::trace_model
