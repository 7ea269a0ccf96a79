#pragma once
/// A scenario: what to run, under which faults, and which properties must hold
/// (docs/scenario-format.md). One file drives the simulator, the local pod cluster and a
/// real Kubernetes cluster, so faults name pods and deployments, never internal ids.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "troupe/apps/application.hpp"
#include "troupe/cluster/cluster.hpp"
#include "troupe/simnet/faults.hpp"
#include "troupe/simnet/network.hpp"

namespace troupe::scenario {

/// A set of pods named <name>-<ordinal>.
struct deployment {
  std::string name;
  int replicas = 1;
  std::string role = "server";  ///< "server" (runs the app's servers) or "client" (workload)
};

/// The deployment a generated `scale` fault resizes, and the replica counts it may set
/// (`generator.scale`): min <= replicas <= max, StatefulSet order (a scale-down removes the
/// highest ordinals).
struct scale_bounds {
  std::string deployment;  ///< a server deployment of the scenario
  int min = 1;             ///< 1..100, at most the deployment's initial replicas
  int max = 1;             ///< above min, at least the deployment's initial replicas, <= 100
};

/// Which faults `troupe check` may generate, how many, and when.
struct fault_generator {
  std::vector<sim::fault_kind> kinds;
  int max_faults = 3;
  std::int64_t window_start_ns = 0;
  std::int64_t window_end_ns = 0;
  std::optional<scale_bounds> scale;  ///< set exactly when `kinds` has `scale`
};

/// A cluster singleton that the harness runs on the server pods (`cluster.singleton`): an
/// actor that does nothing; its starts and stops are the trace's `singleton` events.
struct cluster_singleton {
  std::string name = "singleton";                  ///< its `name` in `singleton` events
  std::int64_t handover_margin_ns = 1'000'000'000;  ///< see troupe::cluster::singleton_manager
};

/// Cluster membership on every server pod (`cluster`, docs/scenario-format.md): the runner
/// starts the cluster actor at each boot and restart of a server pod, before the
/// application's servers.
struct cluster_config {
  /// The cluster actor's settings. `seed_nodes` is the deployment's initial server pods (set
  /// by the loader; a file cannot name them); in simulation a pod that boots later gets the
  /// server pods that exist at its boot instead (a pod scaled away is no seed).
  cluster::cluster_settings settings;
  std::optional<cluster_singleton> singleton;
};

struct scenario {
  static constexpr int current_version = 1;
  int version = current_version;
  std::string name;
  std::string app;
  nlohmann::json app_options = nlohmann::json::object();
  std::vector<deployment> deployments;
  sim::link_conditions network;
  apps::workload workload;
  std::vector<sim::fault> faults;
  std::optional<fault_generator> generator;
  std::vector<std::string> properties;
  std::optional<cluster_config> cluster;  ///< absent: no pod runs cluster membership
  std::int64_t duration_ns = 0;
  std::int64_t liveness_window_ns = 0;
  std::uint64_t seed = 1;

  /// Pods of every deployment at the start, in deployment then ordinal order.
  std::vector<std::string> initial_pods() const;
  /// Server pods at the start.
  std::vector<std::string> server_pods() const;
  /// The server pods that exist at `at_ns` by the schedule: each server deployment's
  /// replicas, as set by its last `scale` fault at or before `at_ns`.
  std::vector<std::string> server_pods_at(std::int64_t at_ns) const;
};

/// A problem in a scenario file: the JSON path of the field (e.g. "faults[2].pod") and why.
struct load_error {
  std::string path;
  std::string reason;
  std::string describe() const { return path.empty() ? reason : path + ": " + reason; }
};

/// Parses and checks a scenario (fields, types, units, ranges, unknown fields, pods that
/// faults name). Returns the scenario or the first problem found.
std::variant<scenario, load_error> parse_scenario(const nlohmann::json& document);
/// Reads and parses a scenario file.
std::variant<scenario, load_error> load_scenario_file(const std::string& path);
/// The scenario as a document that parse_scenario reads back to an equal scenario
/// (replay files are written this way).
nlohmann::json to_json(const scenario& s);

/// The property names the harness knows.
const std::vector<std::string>& known_properties();

}  // namespace troupe::scenario
