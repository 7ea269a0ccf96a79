#pragma once
/// `troupe node`: a real node process (docs/cli.md, docs/transport.md). With `--scenario
/// FILE --pod NAME` it runs that pod of the scenario: the application's servers on a server
/// deployment's pod, the workload's clients on a client deployment's pod. Without
/// `--scenario` it runs a built-in application (`--app`), as `troupe-node` does. Flags,
/// trace, management endpoint and shutdown are runtime/net's (troupe/net/node.hpp); this
/// layer adds what needs the scenario format and the applications.

#include <cstdint>
#include <string>

#include "troupe/apps/application.hpp"
#include "troupe/scenario/scenario.hpp"

namespace troupe::node {

/// A pod of a scenario, as the node runs it.
struct scenario_pod {
  std::string name;        ///< "kv-1"
  std::string deployment;  ///< "kv"
  int ordinal = 0;
  bool client = false;     ///< a client-role deployment's pod: runs the workload
  /// Unique among the scenario's pods (deployment index * 1024 + ordinal): the default
  /// `--node-number` of its message ids.
  std::uint32_t number = 0;
};

/// Finds pod `name` (`<deployment>-<ordinal>`) in the scenario. Scaled pods (an ordinal at
/// or above the initial replicas) are pods too. Returns "" or why not (exit code 2).
[[nodiscard]] std::string find_pod(const scenario::scenario& s, const std::string& name,
                                   scenario_pod& pod);

/// Whether a pod found by `--discovery` is a contact point of this scenario's cluster join:
/// a server deployment's pod (any ordinal, scaled ones too). Client pods are published by the
/// same headless service but run no membership; a name that is no pod of the scenario (a
/// record without the pod's hostname) neither. Such pods are dialled, never contacts.
[[nodiscard]] bool is_cluster_contact(const scenario::scenario& s, const std::string& name);

/// The workload with `start` and `stop` moved from scenario time (nanoseconds since the
/// run's epoch) to platform time: `platform_now_ns` is the platform clock when
/// `epoch_elapsed_ns` have passed since the epoch. A stop already past stays a stop.
[[nodiscard]] apps::workload workload_on_platform(const apps::workload& load,
                                                  std::int64_t platform_now_ns,
                                                  std::int64_t epoch_elapsed_ns);

/// `--incarnation-file FILE`: the incarnation of this start of a pod whose restarts keep
/// the file (a Kubernetes pod's persistent volume). Reads the number in the file (0 when
/// the file does not exist), adds 1, writes it back (to a temporary file, fsync, rename),
/// and returns it in `incarnation`. Returns "" or why not (exit code 2): unreadable, not a
/// number, or not writable. Call once, at the node's start.
[[nodiscard]] std::string next_incarnation(const std::string& path, std::uint64_t& incarnation);

/// A `--trace` path with every `{incarnation}` replaced by the number, so that each start
/// of a pod writes a file of its own ("trace-{incarnation}.jsonl" -> "trace-3.jsonl").
[[nodiscard]] std::string trace_path_of_incarnation(std::string path, std::uint64_t incarnation);

}  // namespace troupe::node

/// The `troupe node` subcommand. `argv[0]` is the program (or subcommand) name; flags
/// follow. Call from the main thread before any other thread starts.
int troupe_scenario_node_main(int argc, char** argv);
