#pragma once
// The plan `troupe k8s SCENARIO --namespace NS` plays against a real cluster: a scenario's
// fault schedule as kubectl commands and Chaos Mesh manifests, at the scenario's times
// (docs/kubernetes.md, "A scenario on Kubernetes"). Pure: building the plan runs
// nothing, so the exact commands and manifests are what the tests check.
//
// Conventions: each deployment of the scenario is a StatefulSet of the same name whose
// pods carry the label `app: <deployment>` (so pod `kv-1` is ordinal 1 of StatefulSet `kv`).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "troupe/scenario/scenario.hpp"

namespace troupe::k8s {

struct chaos_step {
  std::int64_t at_ns = 0;
  std::string fault;              ///< the scenario's fault kind ("partition"), or "setup" / "cleanup"
  std::vector<std::string> argv;  ///< the command: kubectl ...
  /// A manifest the command reads on stdin (`kubectl apply -f -`), if any.
  std::optional<nlohmann::json> manifest;
  std::string note;               ///< how the real platform differs from simulation, if it does
  /// The trace `fault` event to record when this step is played (without `t`): set on the
  /// first step of each of the scenario's faults, as `troupe pods` records them.
  std::optional<nlohmann::json> event;
};

struct chaos_plan {
  std::vector<chaos_step> steps;  ///< in time order (schedule order for equal times)
  /// Faults that cannot be played on Kubernetes (a skew rate, reorder, bandwidth): what and why.
  std::vector<std::string> unsupported;
};

struct chaos_options {
  std::string kubectl = "kubectl";
  std::string pod_namespace = "default";
  std::string wait_timeout = "120s";  ///< how long a restart waits for the pod to be Ready
};

/// The plan for a scenario's fixed fault schedule. A scenario whose name, namespace or pod
/// names could not be Kubernetes names is refused with the reason.
std::variant<chaos_plan, std::string> plan_for_kubernetes(const scenario::scenario& s,
                                                          const chaos_options& options = {});

/// One line per step: "at 4s: kubectl apply -n ns -f - <NetworkChaos troupe-...>".
std::string describe(const chaos_plan& plan);

/// "10ms", "1500us", "-250ms", "7ns": a Go duration (what Chaos Mesh fields take).
std::string go_duration(std::int64_t ns);

}  // namespace troupe::k8s
