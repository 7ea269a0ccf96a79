#include "troupe/harness/runner.hpp"

#include <chrono>
#include <set>

#include "troupe/apps/application.hpp"
#include "troupe/checkers/properties.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/cluster/cluster.hpp"
#include "troupe/scenario/membership.hpp"
#include "troupe/simnet/pod.hpp"

namespace troupe::harness {

bool run_report::passed() const {
  if (!error.empty()) return false;
  for (const auto& v : verdicts)
    if (!v.ok) return false;
  return true;
}

std::string run_report::first_failure() const {
  if (!error.empty()) return "error";
  for (const auto& v : verdicts)
    if (!v.ok) return v.property;
  return "";
}

namespace {

sim::boot_function boot_for(const scenario::scenario& s, const scenario::deployment& d,
                            apps::application& app, const sim::simulation& sim) {
  const auto servers = s.server_pods();
  const bool client = d.role == "client";
  const apps::workload load = s.workload;
  const std::optional<scenario::cluster_config> membership = client ? std::nullopt : s.cluster;
  return [&app, &s, &sim, servers, client, load, membership](
             actor_system& system, const sim::pod_info& pod) {
    apps::node_context node{pod.name, pod.deployment, pod.ordinal, pod.incarnation, servers};
    if (client) return app.boot_client(system, node, load);
    if (membership) {
      // The seeds are the server pods that exist when this pod boots, as a StatefulSet's pod
      // finds its peers (DNS of the headless service): a pod scaled away is no seed, and a
      // first seed that must hear from every seed before it forms is not blocked by it.
      scenario::cluster_config config = *membership;
      config.settings.seed_nodes = s.server_pods_at(sim.now_ns());
      const std::string started = scenario::start_membership(system, config);
      TROUPE_ASSERT_MSG(started.empty(), "membership could not start at pod start");
      node.cluster = true;
    }
    app.boot_server(system, node);
  };
}

/// How long after a scale the simulated discovery reports the new pod list: Kubernetes drops
/// a deleted pod from the service's DNS records, and discovery polls, within about a second.
/// The graceful leaves of the removed pods (sent at once) arrive first.
constexpr std::int64_t discovery_delay_ns = 1'000'000'000;

/// Kubernetes' part, as discovery of the servers' headless service would play it: after every
/// scale fault the cluster actor of every live server pod learns the server pods that exist
/// then, a complete list (a member not listed was scaled away: if its leave reached no one it
/// is downed, and forming a new cluster needs no answer from it).
void tell_contact_points_at_every_scale(const scenario::scenario& s, sim::simulation& sim) {
  std::set<std::int64_t> times;
  for (const auto& f : s.faults)
    if (f.kind == sim::fault_kind::scale) times.insert(f.at_ns);
  for (const std::int64_t scaled_at : times) {
    const std::int64_t t = scaled_at + discovery_delay_ns;
    if (t > s.duration_ns) continue;
    sim.at(t, [&s, &sim, t] {
      const auto servers = s.server_pods_at(t);
      for (const auto& pod : servers) {
        actor_system* system = sim.system_of(pod);
        if (system == nullptr) continue;
        auto cluster = system->lookup<cluster::cluster_protocol>(cluster::cluster_actor_name);
        if (cluster) cluster->tell(cluster::contact_points{servers, false, true});
      }
    });
  }
}

/// Membership is judged over the server deployments only: clients run no cluster actor.
checkers::membership_options membership_options_of(const scenario::scenario& s) {
  checkers::membership_options options;
  if (s.liveness_window_ns > 0) options.liveness_window_ns = s.liveness_window_ns;
  for (const auto& d : s.deployments)
    if (d.role == "server") options.deployments.push_back(d.name);
  return options;
}

void check_properties(const scenario::scenario& s, const apps::application& app,
                      sim::simulation& sim, run_report& report) {
  auto parsed = checkers::read_trace_lines(sim.trace().lines());
  if (!parsed.ok()) {
    report.error = "the trace could not be read back: " + parsed.failure().to_string();
    return;
  }
  const auto& trace = parsed.value();
  report.operations = trace.operations.size();
  for (const auto& op : trace.operations)
    if (op.result == checkers::outcome::ok) ++report.operations_ok;
  // The application's own model of its operations (nullptr: the kv register), kept alive
  // for the checks.
  const auto model = app.linearizability_model();
  for (const auto& name : s.properties) {
    checkers::property_options options;
    options.linearizability_model = model.get();
    options.membership = membership_options_of(s);
    auto outcome = checkers::check_property(trace, name, options);
    property_verdict v{name, false, "", std::nullopt};
    if (!outcome.ok()) {
      v.message = outcome.failure().to_string();
    } else {
      v.ok = outcome.value().ok;
      v.message = outcome.value().message;
      v.at_seq = outcome.value().at_seq;
    }
    auto line = sim.trace().event(sim.now_ns(), "verdict", "");
    line.field("property", v.property).field("ok", v.ok).field("message", v.message);
    if (v.at_seq) line.field("at_seq", *v.at_seq);
    line.end();
    report.verdicts.push_back(std::move(v));
  }
}

}  // namespace

run_report run_scenario(const scenario::scenario& s, const run_options& options) {
  const auto started = std::chrono::steady_clock::now();
  run_report report;
  report.seed = s.seed;
  std::string error;
  auto app = apps::make_application(s.app, s.app_options, error);
  if (!app) {
    report.error = error;
    return report;
  }
  sim::simulation_config config;
  config.seed = s.seed;
  config.scenario = s.name;
  config.trace_path = options.trace_path;
  config.capture_trace = true;
  config.network = s.network;
  config.initial_pods = s.initial_pods();
  {
    sim::simulation sim(config);
    for (const auto& d : s.deployments)
      if (d.role == "server") sim.add_deployment(d.name, d.replicas, boot_for(s, d, *app, sim));
    for (const auto& d : s.deployments)
      if (d.role == "client") sim.add_deployment(d.name, d.replicas, boot_for(s, d, *app, sim));
    if (auto problem = sim.validate(s.faults)) {
      report.error = "fault schedule: " + *problem;
      return report;
    }
    sim.schedule(s.faults);
    if (s.cluster) tell_contact_points_at_every_scale(s, sim);
    sim.run_until(s.duration_ns);
    check_properties(s, *app, sim, report);
    sim.trace().flush();
    if (!sim.trace().ok()) report.error = "could not write the trace to '" + options.trace_path + "'";
    report.trace_hash = sim.trace().hash();
    if (options.lines != nullptr) *options.lines = sim.trace().lines();
    report.trace_events = sim.trace().events();
    report.stats = sim.stats();
  }
  report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

std::string compare_runs(const scenario::scenario& s) {
  std::vector<std::string> first, second;
  const auto a = run_scenario(s, {"", &first});
  const auto b = run_scenario(s, {"", &second});
  if (a.trace_hash == b.trace_hash && first == second) return "";
  for (std::size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
    const std::string x = i < first.size() ? first[i] : "<end of trace>";
    const std::string y = i < second.size() ? second[i] : "<end of trace>";
    if (x != y) return "line " + std::to_string(i + 1) + " differs:\n  first:  " + x + "\n  second: " + y;
  }
  return "the trace hashes differ";
}

}  // namespace troupe::harness
