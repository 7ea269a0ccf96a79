#pragma once
/// Merges the traces of a local pod cluster run into one trace (docs/trace-format.md): the
/// runner's header, then every event of the runner (faults it played) and of every node
/// process (one file per pod incarnation) sorted by time, renumbered `seq` from 0. The
/// checkers and the viewer read the result like a simulated run's trace.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::pods {

/// One node process's trace file.
struct trace_source {
  std::string path;
  std::string pod;  ///< the pod it ran as (for messages)
  /// True when the process was killed: its last line may be cut short, and is then
  /// skipped instead of being an error.
  bool may_be_truncated = false;
};

/// The merged trace and what happened on the way.
struct merge_result {
  std::vector<std::string> lines;  ///< header first; no '\n'
  std::uint64_t events = 0;        ///< event lines (lines.size() - 1)
  std::uint64_t truncated_lines = 0;  ///< cut-short last lines of killed processes, skipped
  std::vector<std::string> missing;   ///< sources whose file did not exist (a pod that never started)
  std::string error;  ///< "file:line: why" when a source could not be read; then lines is empty
};

/// Merges. `header` is written as line 1 (its `format` and `version` are set here).
/// `runner_events` are event objects without `seq` (e.g. the faults played); they sort
/// before node events of the same `t`. Events keep their fields; `seq` is renumbered, and
/// `op` and `client` ids of the node files are renumbered in order of first appearance so
/// that two processes (two client pods, or two incarnations of one) never share one.
/// A node file's own header line (first line, `"format":"troupe-trace"`) is dropped; when it
/// names an `epoch_ns` (Unix time of its time 0) other than `epoch_ns`, the file's times are
/// shifted onto `epoch_ns` (both non-zero).
/// Events must have integer `t` and string `ev`; sorting is stable (by `t`, then the
/// runner before the sources in the given order, then line order).
[[nodiscard]] merge_result merge_traces(nlohmann::ordered_json header,
                                        const std::vector<nlohmann::ordered_json>& runner_events,
                                        const std::vector<trace_source>& sources,
                                        std::int64_t epoch_ns = 0);

}  // namespace troupe::pods
