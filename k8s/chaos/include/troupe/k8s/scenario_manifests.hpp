#pragma once
/// The Kubernetes objects that run a scenario's pods for `troupe k8s` (docs/kubernetes.md,
/// "A scenario on Kubernetes"): the scenario file as a ConfigMap, the run's cluster
/// secret, one headless Service, one StatefulSet per deployment (pods named as the
/// scenario's: kv-0, kv-1, ..., client-0), and the collector Pod that reads every pod's
/// trace volume after the run. Pure: the tests compare them with golden files and
/// k8s/validate.sh checks those against the Kubernetes schemas and the lint.
///
/// Two values are known only when a run starts; the manifests hold them as shell variables
/// that `troupe k8s --apply` (or the dry-run script's shell) fills in:
/// `${EPOCH_NS}` (the run's time 0, Unix ns, the same for every pod) and `${CLUSTER_SECRET}`.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "troupe/scenario/scenario.hpp"

namespace troupe::k8s {

/// The placeholders in the manifests (see above).
inline constexpr const char* epoch_variable = "${EPOCH_NS}";
inline constexpr const char* secret_variable = "${CLUSTER_SECRET}";

struct manifest_options {
  std::string pod_namespace = "default";
  std::string image = "troupe:dev";         ///< built from k8s/Containerfile
  std::string trace_volume_size = "100Mi";  ///< each pod's PersistentVolumeClaim
  int grace_seconds = 20;  ///< the nodes' --grace; terminationGracePeriodSeconds is 10 s more
};

/// Where a scenario pod keeps its traces and incarnation counter (its PersistentVolume).
inline constexpr const char* trace_directory_in_pod = "/var/lib/troupe";
/// Where the collector Pod mounts pod P's volume: /traces/P.
inline constexpr const char* collector_directory = "/traces";

/// Names of the run's objects: "troupe-<scenario>" (the headless Service),
/// "troupe-<scenario>-scenario" (ConfigMap), "-secret", "-collect" (the collector Pod).
std::string run_object_name(const scenario::scenario& s, const std::string& suffix = {});

/// The label selecting everything of a scenario's run: "troupe.dev/scenario=<name>".
std::string run_selector(const scenario::scenario& s);

/// Every pod the scenario ever has: each deployment's ordinals up to its largest replica
/// count (the initial one, or a `scale` fault's). Each has a trace volume.
std::vector<std::string> pods_ever(const scenario::scenario& s);

/// ConfigMap (the scenario file's text under `scenario.json`), Secret, headless Service.
std::vector<nlohmann::json> shared_manifests(const scenario::scenario& s,
                                             const std::string& scenario_text,
                                             const manifest_options& options);

/// One StatefulSet per deployment of the scenario, in the scenario's order.
std::vector<nlohmann::json> statefulset_manifests(const scenario::scenario& s,
                                                  const manifest_options& options);

/// The Pod that mounts every pod's trace volume (read-only, /traces/<pod>) so that
/// `kubectl cp` can copy them after the StatefulSets are gone.
nlohmann::json collector_manifest(const scenario::scenario& s, const manifest_options& options);

/// All of the above as one multi-document YAML text (JSON documents between `---`), what
/// `troupe k8s --manifests` prints and k8s/validate.sh validates.
std::string manifests_yaml(const std::vector<nlohmann::json>& manifests);

}  // namespace troupe::k8s
