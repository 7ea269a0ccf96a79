#pragma once
/// A whole run of one scenario on a Kubernetes cluster, as `troupe k8s` plays it (and its
/// dry run prints it): deploy the scenario's pods, choose time 0, wait for them, play the
/// fault schedule (chaos_plan.hpp), stop the pods, collect every pod incarnation's trace
/// from the pods' volumes, remove what the run created (docs/kubernetes.md). Pure: building
/// the plan runs nothing.

#include <string>
#include <variant>
#include <vector>

#include "troupe/k8s/chaos_plan.hpp"
#include "troupe/k8s/scenario_manifests.hpp"

namespace troupe::k8s {

struct run_options {
  chaos_options chaos;                 ///< kubectl, namespace (also used for the manifests)
  manifest_options manifests;          ///< image, volume size, grace
  std::string directory;               ///< local folder for the traces and logs
  std::string ready_timeout = "300s";  ///< the StatefulSets' rollout must end within this
  bool keep = false;  ///< keep the run's objects and trace volumes (the pods are stopped)
};

/// One collection command: argv, and the file its standard output goes to ("": none).
struct collect_step {
  std::vector<std::string> argv;
  std::string stdout_file;
};

struct run_plan {
  /// Before time 0: remove a previous run's objects and volumes, then the ConfigMap,
  /// Secret and headless Service.
  std::vector<chaos_step> deploy;
  /// At time 0 (${EPOCH_NS} is chosen just before): the StatefulSets.
  std::vector<chaos_step> start;
  /// Then: each StatefulSet's rollout must end (every initial pod Ready).
  std::vector<chaos_step> wait_ready;
  /// The fault schedule from time 0; its last step deletes the run's chaos objects.
  chaos_plan faults;
  /// After the duration: each remaining pod's log (before the pods go).
  std::vector<collect_step> logs;
  /// Stop every pod gracefully (the StatefulSets are deleted; the claims stay), then the
  /// collector Pod mounting every pod's trace volume.
  std::vector<chaos_step> stop;
  /// Copy the volumes out: <directory>/traces/<pod>/trace-<incarnation>.jsonl.
  std::vector<collect_step> collect;
  /// Delete the collector and, unless `keep`, everything else the run created.
  std::vector<chaos_step> teardown;
};

/// The pods that exist at the end of the scenario (initial replicas, then each `scale`).
std::vector<std::string> pods_at_end(const scenario::scenario& s);

/// The plan of a run. `scenario_text` is the scenario file's content (the pods read it from
/// a ConfigMap). Refuses, with the reason, what plan_for_kubernetes refuses, and names too
/// long for the run's objects.
std::variant<run_plan, std::string> plan_run(const scenario::scenario& s,
                                             const std::string& scenario_text,
                                             const run_options& options);

/// Every manifest the run applies, in order (for `troupe k8s --manifests`).
std::vector<nlohmann::json> run_manifests(const run_plan& plan);

/// `text` with ${EPOCH_NS} and ${CLUSTER_SECRET} replaced (what --apply sends to kubectl).
std::string fill_in(std::string text, const std::string& epoch_ns, const std::string& secret);

}  // namespace troupe::k8s
