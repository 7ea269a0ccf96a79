#include "troupe/k8s/chaos_script.hpp"

namespace troupe::k8s {

namespace {

/// Single-quotes an argument for sh when it needs it.
std::string quoted(const std::string& a) {
  if (!a.empty() &&
      a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
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

std::string render(const chaos_step& step) {
  std::string out;
  if (!step.note.empty()) out += "# note: " + step.note + "\n";
  out += command_line(step.argv);
  if (step.manifest) out += " " + here_document(step.manifest->dump(2));
  return out + "\n";
}

std::string render(const std::vector<chaos_step>& steps) {
  std::string out;
  for (const auto& step : steps) out += render(step);
  return out;
}

std::string render(const std::vector<collect_step>& steps) {
  std::string out;
  for (const auto& c : steps) {
    out += command_line(c.argv);
    if (!c.stdout_file.empty()) out += " > " + quoted(c.stdout_file);
    out += "\n";
  }
  return out;
}

bool has_variable(const std::string& text) {
  return text.find(epoch_variable) != std::string::npos ||
         text.find(secret_variable) != std::string::npos;
}

}  // namespace

std::string here_document(const std::string& text) {
  if (!has_variable(text)) return "<<'EOF'\n" + text + "\nEOF";
  std::string escaped;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool variable =
        c == '$' && (text.compare(i, std::string(epoch_variable).size(), epoch_variable) == 0 ||
                     text.compare(i, std::string(secret_variable).size(), secret_variable) == 0);
    if ((c == '$' && !variable) || c == '`' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "<<EOF\n" + escaped + "\nEOF";
}

std::string render_script(const scenario::scenario& s, const run_plan& plan,
                          const run_options& options) {
  const std::string& ns = options.chaos.pod_namespace;
  std::string out;
  out += "#!/bin/sh\n";
  out += "# troupe k8s: scenario " + s.name + " in namespace " + ns +
         " (dry run: nothing was applied).\n";
  out +=
      "# `troupe k8s ... --apply` runs these steps, the faults at their times since time 0, then\n"
      "# merges the collected traces and checks the scenario's properties. Needs Chaos Mesh in "
      "the\n"
      "# cluster and the image " +
      options.manifests.image + " (k8s/Containerfile) on its nodes.\n";
  out += "set -e\n";
  out += "\n# The run's cluster secret: the pods authenticate each other with it.\n";
  out += "CLUSTER_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \\n')\n";
  out +=
      "\n# Deploy: the scenario file, the secret, the headless Service of the pods' DNS names.\n";
  out += render(plan.deploy);
  out +=
      "\n# Time 0 of the run (Unix ns, GNU date): the same --epoch-ns for every pod, so traces "
      "merge.\n";
  out += "EPOCH_NS=$(date +%s%N)\n";
  out += render(plan.start);
  out +=
      "\n# Every initial pod Ready (faults played later than their time are reported as late).\n";
  out += render(plan.wait_ready);
  for (const auto& step : plan.faults.steps) {
    out += "\n# at " + go_duration(step.at_ns) + " (" + step.fault + ")\n";
    out += render(step);
  }
  if (!plan.faults.unsupported.empty()) out += "\n";
  for (const auto& u : plan.faults.unsupported) out += "# not supported on Kubernetes: " + u + "\n";
  out += "\n# After the duration: the logs of the pods that remain, then stop every pod.\n";
  out += "mkdir -p " + quoted(options.directory) + "\n";
  out += render(plan.logs);
  out += render(plan.stop);
  out +=
      "\n# Every pod's traces, from its volume (also of pods killed or scaled away): one file per\n"
      "# start, " +
      options.directory + "/traces/<pod>/trace-<incarnation>.jsonl.\n";
  out += "rm -rf " + quoted(options.directory + "/traces") + "\n";
  out += render(plan.collect);
  out += options.keep ? "\n# Remove the collector (--keep: the objects and trace volumes stay).\n"
                      : "\n# Remove the collector and everything the run created.\n";
  out += render(plan.teardown);
  return out;
}

}  // namespace troupe::k8s
