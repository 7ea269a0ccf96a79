#include "troupe/k8s/chaos_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <set>

namespace troupe::k8s {
namespace {

using json = nlohmann::json;

const std::regex dns_label("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

std::string percent(double probability) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", std::round(probability * 100 * 1e4) / 1e4);
  return text;
}

struct builder {
  const scenario::scenario& s;
  const chaos_options& o;
  chaos_plan plan;

  json metadata(const std::string& name, const std::string& fault) const {
    return {{"name", name},
            {"namespace", o.pod_namespace},
            {"labels",
             {{"app.kubernetes.io/managed-by", "troupe"},
              {"troupe.dev/scenario", s.name},
              {"troupe.dev/fault", fault}}}};
  }
  json pods(const std::vector<std::string>& names) const {
    return {{"pods", {{o.pod_namespace, names}}}};
  }
  // Every pod of the scenario's deployments, present and future (scale).
  json all_pods() const {
    std::vector<std::string> apps;
    for (const auto& d : s.deployments) apps.push_back(d.name);
    return {{"namespaces", {o.pod_namespace}},
            {"expressionSelectors", {{{"key", "app"}, {"operator", "In"}, {"values", apps}}}}};
  }
  std::string selector(const std::string& fault) const {
    return "troupe.dev/scenario=" + s.name + ",troupe.dev/fault=" + fault;
  }
  void apply(std::int64_t at, const std::string& fault, json manifest, std::string note = {}) {
    plan.steps.push_back({at, fault, {o.kubectl, "apply", "-n", o.pod_namespace, "-f", "-"},
                          std::move(manifest), std::move(note), std::nullopt});
  }
  void run(std::int64_t at, const std::string& fault, std::vector<std::string> args, std::string note = {}) {
    std::vector<std::string> argv = {o.kubectl};
    argv.insert(argv.end(), args.begin(), args.end());
    plan.steps.push_back({at, fault, std::move(argv), std::nullopt, std::move(note), std::nullopt});
  }
  void delete_chaos(std::int64_t at, const std::string& fault, const std::string& kinds,
                    const std::string& label_fault) {
    run(at, fault, {"delete", kinds, "-n", o.pod_namespace, "-l", selector(label_fault), "--ignore-not-found"});
  }

  json network_chaos(const std::string& name, const std::string& fault, const std::string& action,
                     json spec_extra) const {
    json spec = {{"action", action}, {"mode", "all"}};
    spec.update(spec_extra);
    return {{"apiVersion", "chaos-mesh.org/v1alpha1"}, {"kind", "NetworkChaos"},
            {"metadata", metadata(name, fault)}, {"spec", spec}};
  }

  // Link conditions on every pod: loss, duplicate and delay are one NetworkChaos each.
  void conditions(std::int64_t at, const std::string& fault, const sim::link_conditions& c, std::size_t index) {
    delete_chaos(at, fault, "networkchaos", "network");
    const std::string base = "troupe-" + s.name + "-f" + std::to_string(index);
    if (c.loss > 0) {
      apply(at, fault, network_chaos(base + "-loss", "network", "loss",
                                     {{"selector", all_pods()}, {"direction", "to"},
                                      {"loss", {{"loss", percent(c.loss)}, {"correlation", "0"}}}}));
    }
    if (c.duplicate > 0) {
      apply(at, fault, network_chaos(base + "-duplicate", "network", "duplicate",
                                     {{"selector", all_pods()}, {"direction", "to"},
                                      {"duplicate", {{"duplicate", percent(c.duplicate)}, {"correlation", "0"}}}}));
    }
    if (c.delay_ns_max >= 1'000'000) {
      apply(at, fault, network_chaos(base + "-delay", "network", "delay",
                                     {{"selector", all_pods()}, {"direction", "to"},
                                      {"delay", {{"latency", go_duration(c.delay_ns_min)},
                                                 {"jitter", go_duration(c.delay_ns_max - c.delay_ns_min)},
                                                 {"correlation", "0"}}}}),
            "delay is added to the cluster network's own latency");
    }
    if (c.reorder) plan.unsupported.push_back(fault + " at " + go_duration(at) + ": reorder (TCP keeps order on a real network)");
    if (c.bandwidth_bytes_per_s > 0) plan.unsupported.push_back(fault + " at " + go_duration(at) + ": bandwidth");
  }
};

/// The trace event of a played fault, with the fields `troupe pods` gives it (the membership
/// checker reads a scale's `added` and `removed` pods). `replicas` counts each deployment's
/// pods before the fault and is updated by a scale.
json fault_event(const sim::fault& f, std::map<std::string, int>& replicas) {
  json event = {{"ev", "fault"}, {"pod", f.pod}, {"kind", sim::to_string(f.kind)}};
  switch (f.kind) {
    case sim::fault_kind::partition:
      if (f.one_way) {
        event["from"] = f.from;
        event["to"] = f.to;
        event["one_way"] = true;
      } else {
        event["groups"] = f.groups;
      }
      break;
    case sim::fault_kind::scale: {
      // A StatefulSet's order: new ordinals come up in order, the highest go first.
      std::vector<std::string> added, removed;
      int& before = replicas[f.deployment];
      for (int i = before; i < f.replicas; ++i) added.push_back(f.deployment + "-" + std::to_string(i));
      for (int i = before - 1; i >= f.replicas; --i) removed.push_back(f.deployment + "-" + std::to_string(i));
      before = f.replicas;
      event["deployment"] = f.deployment;
      event["replicas"] = f.replicas;
      event["added"] = added;
      event["removed"] = removed;
      break;
    }
    default:
      break;
  }
  return event;
}

}  // namespace

std::string go_duration(std::int64_t ns) {
  const char* sign = ns < 0 ? "-" : "";
  std::uint64_t v = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  if (v == 0) return "0s";
  if (v % 1'000'000'000 == 0) return sign + std::to_string(v / 1'000'000'000) + "s";
  if (v % 1'000'000 == 0) return sign + std::to_string(v / 1'000'000) + "ms";
  if (v % 1'000 == 0) return sign + std::to_string(v / 1'000) + "us";
  return sign + std::to_string(v) + "ns";
}

std::variant<chaos_plan, std::string> plan_for_kubernetes(const scenario::scenario& s,
                                                          const chaos_options& o) {
  if (!std::regex_match(o.pod_namespace, dns_label) || o.pod_namespace.size() > 63) {
    return "namespace '" + o.pod_namespace + "' is not a Kubernetes namespace name";
  }
  if (!std::regex_match(s.name, dns_label) || s.name.size() > 63) {
    return "scenario name '" + s.name + "' cannot be a label value (a-z, 0-9, '-', at most 63)";
  }
  for (const auto& d : s.deployments) {
    if (!std::regex_match(d.name, dns_label)) return "deployment '" + d.name + "' is not a Kubernetes name";
  }
  builder b{s, o, {}};
  // Setup: the scenario's link conditions, when they are more than a real network has.
  const auto& n = s.network;
  if (n.loss > 0 || n.duplicate > 0 || n.delay_ns_max >= 1'000'000) b.conditions(0, "setup", n, 0);

  std::vector<sim::fault> faults = s.faults;
  std::stable_sort(faults.begin(), faults.end(),
                   [](const sim::fault& x, const sim::fault& y) { return x.at_ns < y.at_ns; });
  std::size_t index = 0;
  std::map<std::string, int> replicas;
  for (const auto& d : s.deployments) replicas[d.name] = d.replicas;
  for (const auto& f : faults) {
    ++index;
    const std::string kind = sim::to_string(f.kind);
    const std::string name = "troupe-" + s.name + "-f" + std::to_string(index);
    const std::string at = go_duration(f.at_ns);
    const std::size_t first_step = b.plan.steps.size();
    switch (f.kind) {
      case sim::fault_kind::partition: {
        // One NetworkChaos per pair of groups (both ways), or one for a one-way cut.
        if (f.one_way) {
          b.apply(f.at_ns, kind, b.network_chaos(name, "partition", "partition",
                                                 {{"selector", b.pods(f.from)}, {"direction", "to"},
                                                  {"target", {{"mode", "all"}, {"selector", b.pods(f.to)}}}}),
                  "one-way: packets from the first pods to the second are dropped; TCP needs both ways, "
                  "so connections between them fail as a whole");
        } else {
          for (std::size_t i = 0; i < f.groups.size(); ++i) {
            for (std::size_t j = i + 1; j < f.groups.size(); ++j) {
              b.apply(f.at_ns, kind,
                      b.network_chaos(name + "-" + std::to_string(i) + "-" + std::to_string(j), "partition",
                                      "partition",
                                      {{"selector", b.pods(f.groups[i])}, {"direction", "both"},
                                       {"target", {{"mode", "all"}, {"selector", b.pods(f.groups[j])}}}}));
            }
          }
        }
        break;
      }
      case sim::fault_kind::heal:
        b.delete_chaos(f.at_ns, kind, "networkchaos", "partition");
        break;
      case sim::fault_kind::kill:
        b.run(f.at_ns, kind, {"delete", "pod", f.pod, "-n", o.pod_namespace, "--grace-period=0", "--force", "--wait=false"},
              "the StatefulSet starts the pod again at once, with a new incarnation; "
              "in simulation it stays down until its restart");
        break;
      case sim::fault_kind::restart:
        b.run(f.at_ns, kind, {"wait", "pod/" + f.pod, "-n", o.pod_namespace, "--for=condition=Ready",
                              "--timeout=" + o.wait_timeout},
              "Kubernetes restarts pods by itself: this waits until it is Ready (an Up member)");
        break;
      case sim::fault_kind::stop:
        b.run(f.at_ns, kind, {"delete", "pod", f.pod, "-n", o.pod_namespace, "--wait=false"},
              "SIGTERM, SIGKILL after terminationGracePeriodSeconds; the StatefulSet starts it again");
        break;
      case sim::fault_kind::scale:
        b.run(f.at_ns, kind, {"scale", "statefulset/" + f.deployment, "-n", o.pod_namespace,
                              "--replicas=" + std::to_string(f.replicas)});
        break;
      case sim::fault_kind::skew: {
        const std::string pod_name = name + "-skew";
        // A new skew of a pod replaces its previous one; an offset of 0 only removes it.
        b.delete_chaos(f.at_ns, kind, "timechaos", "skew-" + f.pod);
        if (f.offset_ns != 0) {
          b.apply(f.at_ns, kind,
                  {{"apiVersion", "chaos-mesh.org/v1alpha1"}, {"kind", "TimeChaos"},
                   {"metadata", b.metadata(pod_name, "skew-" + f.pod)},
                   {"spec", {{"mode", "all"}, {"selector", b.pods({f.pod})}, {"timeOffset", go_duration(f.offset_ns)}}}});
        }
        if (f.rate != 1.0) b.plan.unsupported.push_back("skew at " + at + ": clock rate " + std::to_string(f.rate) + " (TimeChaos shifts clocks, it cannot change their rate)");
        break;
      }
      case sim::fault_kind::pause:
        // A container's PID 1 cannot be SIGSTOPped from inside it (kubectl exec); Chaos
        // Mesh's pod-failure is the nearest: the node stops answering until the resume.
        b.apply(f.at_ns, kind,
                {{"apiVersion", "chaos-mesh.org/v1alpha1"}, {"kind", "PodChaos"},
                 {"metadata", b.metadata(name, "pause-" + f.pod)},
                 {"spec", {{"action", "pod-failure"}, {"mode", "all"}, {"selector", b.pods({f.pod})}}}},
                "pod-failure swaps the container's image for a pause image until the resume: the node "
                "stops answering as under SIGSTOP, but its process ends and comes back as a new "
                "incarnation with empty memory (simulation keeps its state; troupe pods uses SIGSTOP)");
        break;
      case sim::fault_kind::resume:
        b.delete_chaos(f.at_ns, kind, "podchaos", "pause-" + f.pod);
        break;
      case sim::fault_kind::network:
        b.conditions(f.at_ns, kind, f.conditions, index);
        break;
    }
    if (b.plan.steps.size() > first_step) b.plan.steps[first_step].event = fault_event(f, replicas);
  }
  // Cleanup at the end of the run: no chaos object of this scenario is left behind.
  b.run(s.duration_ns, "cleanup",
        {"delete", "networkchaos,timechaos,podchaos", "-n", o.pod_namespace, "-l", "troupe.dev/scenario=" + s.name,
         "--ignore-not-found"});
  return std::move(b.plan);
}

std::string describe(const chaos_plan& plan) {
  std::string out;
  for (const auto& step : plan.steps) {
    out += "at " + go_duration(step.at_ns) + " (" + step.fault + "):";
    for (const auto& a : step.argv) out += " " + a;
    if (step.manifest) {
      out += " <" + step.manifest->value("kind", std::string("?")) + " " +
             (*step.manifest)["metadata"].value("name", std::string("?")) + ">";
    }
    out += "\n";
  }
  for (const auto& u : plan.unsupported) out += "not supported on Kubernetes: " + u + "\n";
  return out;
}

}  // namespace troupe::k8s
