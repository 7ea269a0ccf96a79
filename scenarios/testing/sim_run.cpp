#include "testing/sim_run.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include "troupe/checkers/properties.hpp"
#include "troupe/runtime/random.hpp"
#include "troupe/simnet/simulation.hpp"

namespace troupe::apps::testing {

namespace {

std::vector<std::string> pod_names(const std::string& deployment, int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(deployment + "-" + std::to_string(i));
  return names;
}

node_context context_of(const sim::pod_info& pod, const std::vector<std::string>& servers) {
  return node_context{pod.name, pod.deployment, pod.ordinal, pod.incarnation, servers};
}

}  // namespace

run_outcome run(application& app, const run_config& config) {
  run_outcome outcome;
  // Unique per process and run: CTest runs tests of one binary in parallel processes.
  static std::atomic<int> runs{0};
  outcome.trace_path = (std::filesystem::temp_directory_path() /
                        ("troupe-apps-" + config.scenario + "-" + std::to_string(config.seed) +
                         "-" + std::to_string(::getpid()) + "-" + std::to_string(++runs) +
                         ".trace.jsonl"))
                           .string();
  {
    sim::simulation_config sim_config;
    sim_config.seed = config.seed;
    sim_config.scenario = config.scenario;
    sim_config.trace_path = outcome.trace_path;
    sim_config.network = config.network;
    const auto servers = pod_names(config.server_deployment, config.servers);
    auto pods = servers;
    for (const auto& client : pod_names(config.client_deployment, config.client_pods))
      pods.push_back(client);
    sim_config.initial_pods = pods;  // the simulation writes the trace header
    sim::simulation simulation(sim_config);
    simulation.add_deployment(config.server_deployment, config.servers,
                              [&app, servers](actor_system& system, const sim::pod_info& pod) {
                                app.boot_server(system, context_of(pod, servers));
                              });
    const workload load = config.load;
    simulation.add_deployment(
        config.client_deployment, config.client_pods,
        [&app, servers, load](actor_system& system, const sim::pod_info& pod) {
          app.boot_client(system, context_of(pod, servers), load);
        });
    if (auto problem = simulation.validate(config.faults)) {
      outcome.failures["faults"] = *problem;
      return outcome;
    }
    simulation.schedule(config.faults);
    simulation.run_until(config.duration_ns);
  }
  auto trace = checkers::read_trace_file(outcome.trace_path);
  if (!trace.ok()) {
    outcome.failures["trace"] = trace.failure().to_string();
    return outcome;
  }
  for (const auto& op : trace->operations) ++outcome.phases[checkers::to_string(op.result)];
  checkers::property_options options;
  auto model = app.linearizability_model();
  options.linearizability_model = model.get();
  for (const auto& property : config.properties) {
    auto verdict = checkers::check_property(*trace, property, options);
    if (!verdict.ok()) {
      outcome.failures[property] = verdict.failure().to_string();
    } else if (!verdict->ok) {
      outcome.failures[property] = verdict->message;
    }
  }
  if (!config.keep_trace && outcome.passed()) std::remove(outcome.trace_path.c_str());
  return outcome;
}

std::vector<sim::fault> random_faults(std::uint64_t seed, const std::string& deployment,
                                      int servers, int count, std::int64_t from_ns,
                                      std::int64_t to_ns) {
  random_generator random(seed * 0x9e3779b97f4a7c15ULL + 1);
  std::vector<sim::fault> schedule;
  const std::int64_t slot = (to_ns - from_ns) / std::max(count, 1);
  for (int i = 0; i < count; ++i) {
    const std::int64_t start =
        from_ns + i * slot + static_cast<std::int64_t>(random.next() % (slot / 4 + 1));
    const std::int64_t end =
        start + slot / 4 + static_cast<std::int64_t>(random.next() % (slot / 2 + 1));
    const std::string pod =
        deployment + "-" + std::to_string(random.next() % static_cast<std::uint64_t>(servers));
    sim::fault begin, finish;
    begin.at_ns = start;
    finish.at_ns = end;
    switch (random.next() % 3) {
      case 0: {
        begin.kind = sim::fault_kind::partition;
        std::vector<std::string> rest;
        for (int p = 0; p < servers; ++p) {
          auto name = deployment + "-" + std::to_string(p);
          if (name != pod) rest.push_back(name);
        }
        rest.push_back("client-0");
        // Half of the partitions keep the client with the lone pod.
        if (random.next() % 2 == 0)
          begin.groups = {{pod}, rest};
        else {
          rest.pop_back();
          begin.groups = {{pod, "client-0"}, rest};
        }
        finish.kind = sim::fault_kind::heal;
        break;
      }
      case 1:
        begin.kind = sim::fault_kind::kill;
        finish.kind = sim::fault_kind::restart;
        break;
      default:
        begin.kind = sim::fault_kind::pause;
        finish.kind = sim::fault_kind::resume;
        break;
    }
    if (begin.kind != sim::fault_kind::partition) begin.pod = finish.pod = pod;
    schedule.push_back(begin);
    schedule.push_back(finish);
  }
  return schedule;
}

}  // namespace troupe::apps::testing
