#pragma once
/// The end of a scenario played on real nodes, shared by `troupe pods` (local pods) and
/// `troupe k8s` (a Kubernetes cluster): merge the node traces and the runner's fault events
/// by time, leave out what happened after the scenario's duration (the pods' shutdown),
/// check the properties as `troupe run` does, print the summary and verdicts, write the
/// merged trace. Exit codes as `troupe run`.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "troupe/pods/trace_merge.hpp"
#include "troupe/scenario/scenario.hpp"

namespace troupe::pods {

/// What a real run did, as its runner saw it.
struct run_record {
  std::string platform;       ///< the merged trace header's `platform`: "pods", "k8s"
  std::int64_t epoch_ns = 0;  ///< Unix time of the run's time 0, given to every node
  std::vector<nlohmann::ordered_json> runner_events;  ///< faults as played (`t` since time 0)
  std::vector<trace_source> traces;                   ///< one file per pod incarnation
  std::size_t pods = 0;                               ///< pods that ran
  /// Why the run cannot be judged (a node died, a command failed); "" when it can. A run
  /// that did not happen as the scenario says gets no verdicts.
  std::string error;
  double wall_seconds = 0;
  std::optional<double> ready_seconds;       ///< from time 0 until the initial pods were ready
  std::int64_t lateness_ns_max = 0;          ///< how late the latest fault was played
  std::vector<std::string> not_played;       ///< faults the platform could not play, one line each
  std::string platform_name = "local pods";  ///< for "not played on <platform_name>: ..."
};

/// Exit codes of `judge_run` (as `troupe run`).
inline constexpr int run_exit_ok = 0;
inline constexpr int run_exit_property_failed = 1;
inline constexpr int run_exit_internal = 3;

/// Merges, checks and reports a run on stdout; writes the merged trace to `trace_path`
/// ("": nowhere). Returns 0 when every property holds, 1 when one failed, 3 when the run
/// could not be judged (`record.error`, a trace that cannot be merged or read, an unwritable
/// trace file).
int judge_run(const scenario::scenario& s, const run_record& record, const std::string& trace_path);

}  // namespace troupe::pods
