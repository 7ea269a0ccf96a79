#include "troupe/k8s/chaos_script.hpp"

#include <map>

namespace troupe::k8s {

namespace {

/// Single-quotes an argument for sh when it needs it.
std::string quoted(const std::string& a) {
  if (!a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                        "-_./=:,@%+") == std::string::npos)
    return a;
  std::string out = "'";
  for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + quoted(a);
  return out;
}

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

std::vector<collect_step> collect_steps(const scenario::scenario& s, const chaos_options& options,
                                        const collect_options& collect) {
  std::vector<collect_step> steps;
  for (const auto& pod : pods_at_end(s)) {
    steps.push_back({{options.kubectl, "cp", "-n", options.pod_namespace, pod + ":" + collect.trace_in_pod,
                      collect.directory + "/" + pod + ".trace.jsonl"},
                     ""});
    steps.push_back({{options.kubectl, "logs", "-n", options.pod_namespace, pod},
                     collect.directory + "/" + pod + ".log"});
  }
  return steps;
}

std::string render_script(const scenario::scenario& s, const chaos_plan& plan,
                          const chaos_options& options, const collect_options& collect) {
  std::string deployments;
  for (const auto& d : s.deployments) deployments += (deployments.empty() ? "" : ", ") + d.name;
  std::string out;
  out += "#!/bin/sh\n";
  out += "# troupe k8s: scenario " + s.name + " in namespace " + options.pod_namespace +
         " (dry run: nothing was applied).\n";
  out += "# Each step runs at its time since the start; `troupe k8s ... --apply` runs them on time.\n";
  out += "# Assumes StatefulSets " + deployments +
         " (pods labelled app=<name>, nodes started with --trace " + collect.trace_in_pod +
         ") and Chaos Mesh in the cluster.\n";
  out += "set -e\n";
  for (const auto& step : plan.steps) {
    out += "\n# at " + go_duration(step.at_ns) + " (" + step.fault + ")\n";
    if (!step.note.empty()) out += "# note: " + step.note + "\n";
    out += command_line(step.argv);
    if (step.manifest) out += " <<'EOF'\n" + step.manifest->dump(2) + "\nEOF";
    out += "\n";
  }
  if (!plan.unsupported.empty()) out += "\n";
  for (const auto& u : plan.unsupported) out += "# not supported on Kubernetes: " + u + "\n";
  out += "\n# afterwards: every pod's trace and log (pods removed by a scale-down, or deleted by a kill,\n"
         "# took theirs with them)\nmkdir -p " + quoted(collect.directory) + "\n";
  for (const auto& c : collect_steps(s, options, collect)) {
    out += command_line(c.argv);
    if (!c.stdout_file.empty()) out += " > " + quoted(c.stdout_file);
    out += "\n";
  }
  return out;
}

}  // namespace troupe::k8s
