#include "troupe/k8s/scenario_run.hpp"

#include <map>

namespace troupe::k8s {

namespace {

using json = nlohmann::json;

/// A StatefulSet's name and a revision hash form its pods' controller-revision-hash label
/// (at most 63 characters).
constexpr std::size_t statefulset_name_max = 52;
constexpr std::size_t service_name_max = 63;

struct builder {
  const scenario::scenario& s;
  const run_options& o;

  chaos_step kubectl(std::vector<std::string> args, std::string note = {}) const {
    std::vector<std::string> argv = {o.chaos.kubectl};
    argv.insert(argv.end(), args.begin(), args.end());
    return {0, "run", std::move(argv), std::nullopt, std::move(note), std::nullopt};
  }
  chaos_step apply(json manifest, std::string note = {}) const {
    chaos_step step = kubectl({"apply", "-n", o.chaos.pod_namespace, "-f", "-"}, std::move(note));
    step.manifest = std::move(manifest);
    return step;
  }
};

}  // namespace

std::vector<std::string> pods_at_end(const scenario::scenario& s) {
  std::map<std::string, int> replicas;
  for (const auto& d : s.deployments) replicas[d.name] = d.replicas;
  for (const auto& f : s.faults)
    if (f.kind == sim::fault_kind::scale) replicas[f.deployment] = f.replicas;
  std::vector<std::string> pods;
  for (const auto& d : s.deployments)
    for (int i = 0; i < replicas[d.name]; ++i) pods.push_back(d.name + "-" + std::to_string(i));
  return pods;
}

std::variant<run_plan, std::string> plan_run(const scenario::scenario& s,
                                             const std::string& scenario_text,
                                             const run_options& o) {
  auto faults = plan_for_kubernetes(s, o.chaos);
  if (auto* error = std::get_if<std::string>(&faults)) return *error;
  if (run_object_name(s).size() > service_name_max)
    return "scenario name '" + s.name +
           "' is too long for the run's Service (troupe-<name>, at most 63)";
  for (const auto& d : s.deployments)
    if (d.name.size() > statefulset_name_max)
      return "deployment '" + d.name + "' is too long for a StatefulSet name (at most 52)";
  const builder b{s, o};
  const std::string& ns = o.chaos.pod_namespace;
  const std::string selector = run_selector(s);
  run_plan plan;
  plan.faults = std::move(std::get<chaos_plan>(faults));

  plan.deploy.push_back(
      b.kubectl({"delete", "statefulset,pod,service,configmap,secret,persistentvolumeclaim", "-n",
                 ns, "-l", selector, "--ignore-not-found", "--wait=true"},
                "a previous run's objects and trace volumes go first: old traces must not mix with "
                "this run's"));
  manifest_options m = o.manifests;
  m.pod_namespace = ns;
  for (auto& manifest : shared_manifests(s, scenario_text, m))
    plan.deploy.push_back(b.apply(std::move(manifest)));

  for (auto& manifest : statefulset_manifests(s, m))
    plan.start.push_back(b.apply(std::move(manifest)));
  for (const auto& d : s.deployments)
    plan.wait_ready.push_back(b.kubectl(
        {"rollout", "status", "statefulset/" + d.name, "-n", ns, "--timeout=" + o.ready_timeout}));

  for (const auto& pod : pods_at_end(s))
    plan.logs.push_back(
        {{o.chaos.kubectl, "logs", "-n", ns, pod}, o.directory + "/" + pod + ".log"});

  plan.stop.push_back(b.kubectl(
      {"delete", "statefulset", "-n", ns, "-l", selector, "--cascade=foreground", "--wait=true"},
      "SIGTERM to every node (a graceful shutdown flushes its trace); the trace volumes stay"));
  plan.stop.push_back(b.apply(collector_manifest(s, m)));
  const std::string collector = run_object_name(s, "collect");
  plan.stop.push_back(b.kubectl({"wait", "pod/" + collector, "-n", ns, "--for=condition=Ready",
                                 "--timeout=" + o.ready_timeout}));
  plan.collect.push_back({{o.chaos.kubectl, "cp", "-n", ns, collector + ":" + collector_directory,
                           o.directory + "/traces"},
                          ""});

  plan.teardown.push_back(
      b.kubectl({"delete", "pod", collector, "-n", ns, "--ignore-not-found", "--wait=false"}));
  if (!o.keep) {
    plan.teardown.push_back(
        b.kubectl({"delete", "service,configmap,secret,persistentvolumeclaim", "-n", ns, "-l",
                   selector, "--ignore-not-found", "--wait=false"}));
  }
  return plan;
}

std::vector<json> run_manifests(const run_plan& plan) {
  std::vector<json> out;
  for (const auto* steps : {&plan.deploy, &plan.start, &plan.stop})
    for (const auto& step : *steps)
      if (step.manifest) out.push_back(*step.manifest);
  return out;
}

std::string fill_in(std::string text, const std::string& epoch_ns, const std::string& secret) {
  for (const auto& [variable, value] : {std::pair{std::string(epoch_variable), epoch_ns},
                                        std::pair{std::string(secret_variable), secret}}) {
    for (auto at = text.find(variable); at != std::string::npos;
         at = text.find(variable, at + value.size()))
      text.replace(at, variable.size(), value);
  }
  return text;
}

}  // namespace troupe::k8s
