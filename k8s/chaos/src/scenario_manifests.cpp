#include "troupe/k8s/scenario_manifests.hpp"

#include <algorithm>
#include <map>

namespace troupe::k8s {

namespace {

using json = nlohmann::json;

constexpr int remoting_port = 7355;
constexpr int management_port = 8558;
/// Extra seconds the kubelet waits beyond the node's own --grace before its SIGKILL.
constexpr int grace_margin_s = 10;

json labels(const scenario::scenario& s, const std::string& component) {
  return {{"app.kubernetes.io/managed-by", "troupe"},
          {"app.kubernetes.io/component", component},
          {"troupe.dev/scenario", s.name}};
}

json metadata(const scenario::scenario& s, const manifest_options& o, const std::string& name,
              const std::string& component) {
  return {{"name", name}, {"namespace", o.pod_namespace}, {"labels", labels(s, component)}};
}

/// --discovery: the run's headless Service, whose SRV records `_remoting._tcp` list every
/// pod that has an IP (it publishes not-ready pods), each under its pod name. Any number of
/// pods, scale events included: no fixed list of names.
std::string discovery_service(const scenario::scenario& s) {
  return "dns:" + run_object_name(s) + ".$(POD_NAMESPACE).svc.cluster.local";
}

/// --discovery-contact-points: the scenario's initial server pods, as the seeds of a
/// simulated run, which forms only once every seed answered. Client pods are published by
/// the same Service but are no contact points (the node leaves them out).
std::size_t contact_point_count(const scenario::scenario& s) {
  return std::max<std::size_t>(s.server_pods().size(), 1);
}

json env_from_field(const std::string& name, const std::string& path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
}

json node_container(const scenario::scenario& s, const manifest_options& o) {
  const std::string dir = trace_directory_in_pod;
  return {
      {"name", "troupe-node"},
      {"image", o.image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", {"/usr/local/bin/troupe", "node"}},
      {"args",
       {"--scenario=/etc/troupe/scenario/scenario.json", "--pod=$(POD_NAME)",
        "--listen=0.0.0.0:" + std::to_string(remoting_port),
        // Peers and formation by discovery (docs/kubernetes.md, "Discovery"), as k8s/base's
        // StatefulSet: the lowest address forms the cluster after a stable window.
        "--discovery=" + discovery_service(s),
        "--discovery-contact-points=" + std::to_string(contact_point_count(s)),
        "--secret-file=/etc/troupe/secret/cluster-secret",
        // One trace file per start of the pod, numbered by the counter on the same volume:
        // a restarted pod neither overwrites its earlier trace nor reuses its message ids.
        "--trace=" + dir + "/trace-{incarnation}.jsonl",
        "--incarnation-file=" + dir + "/incarnation", "--epoch-ns=$(TROUPE_EPOCH_NS)",
        "--management=0.0.0.0:" + std::to_string(management_port),
        "--grace=" + std::to_string(o.grace_seconds) + "s"}},
      {"env",
       {env_from_field("POD_NAME", "metadata.name"),
        env_from_field("POD_NAMESPACE", "metadata.namespace"),
        // The node's own address among the discovered ones (it listens on 0.0.0.0).
        env_from_field("POD_IP", "status.podIP"),
        {{"name", "TROUPE_EPOCH_NS"}, {"value", epoch_variable}}}},
      {"ports",
       {{{"name", "remoting"}, {"containerPort", remoting_port}, {"protocol", "TCP"}},
        {{"name", "management"}, {"containerPort", management_port}, {"protocol", "TCP"}}}},
      {"readinessProbe",
       {{"httpGet", {{"path", "/ready"}, {"port", "management"}}},
        {"periodSeconds", 2},
        {"timeoutSeconds", 2},
        {"failureThreshold", 3}}},
      {"livenessProbe",
       {{"httpGet", {{"path", "/alive"}, {"port", "management"}}},
        {"initialDelaySeconds", 10},
        {"periodSeconds", 10},
        {"timeoutSeconds", 2},
        {"failureThreshold", 3}}},
      {"resources",
       {{"requests", {{"cpu", "250m"}, {"memory", "256Mi"}}}, {"limits", {{"memory", "512Mi"}}}}},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"capabilities", {{"drop", {"ALL"}}}}}},
      {"volumeMounts",
       {{{"name", "cluster-secret"}, {"mountPath", "/etc/troupe/secret"}, {"readOnly", true}},
        {{"name", "scenario"}, {"mountPath", "/etc/troupe/scenario"}, {"readOnly", true}},
        {{"name", "traces"}, {"mountPath", dir}}}},
  };
}

json pod_security_context() {
  return {{"runAsNonRoot", true}, {"runAsUser", 10001}, {"runAsGroup", 10001}, {"fsGroup", 10001}};
}

}  // namespace

std::string run_object_name(const scenario::scenario& s, const std::string& suffix) {
  return "troupe-" + s.name + (suffix.empty() ? "" : "-" + suffix);
}

std::string run_selector(const scenario::scenario& s) {
  return "troupe.dev/scenario=" + s.name;
}

std::vector<std::string> pods_ever(const scenario::scenario& s) {
  std::map<std::string, int> replicas;
  for (const auto& d : s.deployments) replicas[d.name] = d.replicas;
  for (const auto& f : s.faults)
    if (f.kind == sim::fault_kind::scale)
      replicas[f.deployment] = std::max(replicas[f.deployment], f.replicas);
  std::vector<std::string> pods;
  for (const auto& d : s.deployments)
    for (int i = 0; i < replicas[d.name]; ++i) pods.push_back(d.name + "-" + std::to_string(i));
  return pods;
}

std::vector<json> shared_manifests(const scenario::scenario& s, const std::string& scenario_text,
                                   const manifest_options& o) {
  json config_map = {{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", metadata(s, o, run_object_name(s, "scenario"), "scenario")},
                     {"data", {{"scenario.json", scenario_text}}}};
  // The run's own secret: its nodes authenticate each other with it, nothing else does.
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", metadata(s, o, run_object_name(s, "secret"), "secret")},
                 {"type", "Opaque"},
                 {"stringData", {{"cluster-secret", secret_variable}}}};
  // Headless, publishing not-ready pods: a node that is not yet an Up member must be found
  // by its peers (k8s/base/services.yaml). Its SRV records are what --discovery polls.
  json service = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata(s, o, run_object_name(s), "node")},
      {"spec",
       {{"clusterIP", "None"},
        {"publishNotReadyAddresses", true},
        {"selector", {{"troupe.dev/scenario", s.name}, {"app.kubernetes.io/component", "node"}}},
        {"ports",
         {{{"name", "remoting"},
           {"port", remoting_port},
           {"targetPort", "remoting"},
           {"protocol", "TCP"}},
          {{"name", "management"},
           {"port", management_port},
           {"targetPort", "management"},
           {"protocol", "TCP"}}}}}}};
  return {config_map, secret, service};
}

std::vector<json> statefulset_manifests(const scenario::scenario& s, const manifest_options& o) {
  std::vector<json> out;
  for (const auto& d : s.deployments) {
    json selector = {{"app", d.name}, {"troupe.dev/scenario", s.name}};
    json pod_labels = labels(s, "node");
    pod_labels["app"] = d.name;
    json claim_labels = labels(s, "traces");
    claim_labels["app"] = d.name;
    json statefulset = {
        {"apiVersion", "apps/v1"},
        {"kind", "StatefulSet"},
        {"metadata", metadata(s, o, d.name, "node")},
        {"spec",
         {{"serviceName", run_object_name(s)},
          {"replicas", d.replicas},
          // All pods at once, as the scenario starts them; bootstrap decides who forms the cluster.
          {"podManagementPolicy", "Parallel"},
          {"selector", {{"matchLabels", selector}}},
          {"template",
           {{"metadata", {{"labels", pod_labels}}},
            {"spec",
             {{"automountServiceAccountToken", false},
              {"terminationGracePeriodSeconds", o.grace_seconds + grace_margin_s},
              {"securityContext", pod_security_context()},
              {"containers", {node_container(s, o)}},
              {"volumes",
               {{{"name", "cluster-secret"},
                 {"secret", {{"secretName", run_object_name(s, "secret")}, {"defaultMode", 0440}}}},
                {{"name", "scenario"},
                 {"configMap", {{"name", run_object_name(s, "scenario")}}}}}}}}}},
          // Traces on a claim of each pod: it outlives the pod's kills, restarts and
          // scale-down (a StatefulSet keeps its claims), so every incarnation's trace is
          // still there for the collector.
          {"volumeClaimTemplates",
           {{{"metadata", {{"name", "traces"}, {"labels", claim_labels}}},
             {"spec",
              {{"accessModes", {"ReadWriteOnce"}},
               {"resources", {{"requests", {{"storage", o.trace_volume_size}}}}}}}}}}}}};
    out.push_back(std::move(statefulset));
  }
  return out;
}

json collector_manifest(const scenario::scenario& s, const manifest_options& o) {
  json mounts = json::array(), volumes = json::array();
  for (const auto& pod : pods_ever(s)) {
    mounts.push_back({{"name", pod},
                      {"mountPath", std::string(collector_directory) + "/" + pod},
                      {"readOnly", true}});
    // The claim a StatefulSet made for the pod: <template>-<statefulset>-<ordinal>.
    volumes.push_back(
        {{"name", pod},
         {"persistentVolumeClaim", {{"claimName", "traces-" + pod}, {"readOnly", true}}}});
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", metadata(s, o, run_object_name(s, "collect"), "collector")},
          {"spec",
           {{"automountServiceAccountToken", false},
            {"restartPolicy", "Never"},
            {"terminationGracePeriodSeconds", 1},
            {"securityContext", pod_security_context()},
            {"containers",
             {{{"name", "collector"},
               {"image", o.image},
               {"imagePullPolicy", "IfNotPresent"},
               // Only there for `kubectl cp` (tar) to read the volumes.
               {"command", {"sleep", "infinity"}},
               {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}}},
               {"securityContext",
                {{"allowPrivilegeEscalation", false},
                 {"readOnlyRootFilesystem", true},
                 {"capabilities", {{"drop", {"ALL"}}}}}},
               {"volumeMounts", mounts}}}},
            {"volumes", volumes}}}};
}

std::string manifests_yaml(const std::vector<json>& manifests) {
  std::string out;
  for (const auto& m : manifests) out += "---\n" + m.dump(2) + "\n";
  return out;
}

}  // namespace troupe::k8s
