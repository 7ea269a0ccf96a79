// troupe-sim-bench: how fast the simulator runs (issue 3, "A run is fast"). One core, one
// JSON line per measurement on stdout (docs/performance.md, section "Simulator"):
//
//   deliveries   simulated message deliveries per wall-clock second, 10 pods x 100 actors,
//                each actor keeping --window pings outstanding to actors on other pods;
//                --trace PATH also writes the trace file (default: no file, hash only)
//   compression  simulated seconds per wall second for a 10-minute scenario: the same
//                cluster, one ping per actor per --tick-ms, a partition, a kill/restart and
//                a pause/resume
//   memory       RSS growth per simulated pod (VmRSS before and after booting --pods pods)
//   all          (default) every measurement above, each in its own child process
//
// Deliveries are the pings and pongs handed to actors (on_message calls), local or not; in
// these workloads every ping crosses the network, so they equal the network deliveries,
// which are printed too.

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <xxhash.h>

#include "cluster_app.hpp"
#include "troupe/simnet/simulation.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
constexpr double deliveries_goal_per_s = 2'000'000;
constexpr double compression_goal = 1000;

struct options {
  std::string workload = "all";
  long long deliveries = 0;  // 0: the workload's default
  long long warmup = 200'000;
  std::string trace_path;
  bool no_trace = false;  // --no-trace: actors' events are not traced at all
  int pods = 0;  // 0: the workload's default
  int actors_per_pod = 100;
  int window = 4;
  int peers = 8;
  long long tick_ms = 1000;
  long long minutes = 10;
  std::uint64_t seed = 1;
};

double seconds_since(clock_type::time_point from) {
  return std::chrono::duration<double>(clock_type::now() - from).count();
}

/// CPU time of this process in seconds. On a shared machine wall time also counts the time
/// other processes had the core; both are printed.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

/// VmRSS of this process in KiB, or -1.
long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, 6, "VmRSS:") == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

/// CPU nanoseconds per byte of XXH3-64, the trace hash (runtime/trace's trace_writer), on
/// trace-like text fed line by line as the writer feeds it. At `bytes` per delivery no traced
/// run can exceed 1e9 / (bytes * this) deliveries per CPU second.
double trace_hash_ns_per_byte() {
  const std::string line = R"({"seq":123,"t":456789,"ev":"send","pod":"sim-3","from":"/user/a1"})";
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  const int lines = 1 << 20;
  const double cpu_0 = cpu_seconds();
  for (int i = 0; i < lines; ++i) XXH3_64bits_update(state, line.data(), line.size());
  volatile XXH64_hash_t digest = XXH3_64bits_digest(state);  // keeps every update
  (void)digest;
  const double cpu = cpu_seconds() - cpu_0;
  XXH3_freeState(state);
  return cpu * 1e9 / (static_cast<double>(line.size()) * lines);
}

/// "none": actors' events untraced; "hash": traced and hashed, no file; "file": written too.
const char* trace_label(const options& o) {
  if (o.no_trace) return "none";
  return o.trace_path.empty() ? "hash" : "file";
}

troupe::sim::simulation_config sim_config(const options& o, const std::string& scenario) {
  troupe::sim::simulation_config config;
  config.seed = o.seed;
  config.scenario = scenario;
  config.trace_path = o.trace_path;
  config.trace_runtime_events = !o.no_trace;
  return config;
}

sim_bench::app_options app_config(const options& o, int pods) {
  sim_bench::app_options app;
  app.pods = pods;
  app.actors_per_pod = o.actors_per_pod;
  app.peers_per_actor = o.peers;
  app.window = o.window;
  return app;
}

// -- deliveries: steady load as fast as the simulator goes ----------------------------------

void run_deliveries(const options& o) {
  const int pods = o.pods > 0 ? o.pods : 10;
  const long long default_measured = o.trace_path.empty() ? 5'000'000 : 2'000'000;
  const long long measured = o.deliveries > 0 ? o.deliveries : default_measured;
  sim_bench::counters seen;
  troupe::sim::simulation sim(sim_config(o, "bench-deliveries"));
  sim.add_deployment("sim", pods, sim_bench::boot(app_config(o, pods), &seen));
  // Warm up until every proxy, export and in-flight slot exists, then measure.
  const std::uint64_t warm = static_cast<std::uint64_t>(o.warmup);
  sim.run_until([&] { return seen.handled >= warm; }, INT64_MAX);
  const std::uint64_t handled_0 = seen.handled;
  const auto stats_0 = sim.stats();
  const std::uint64_t trace_bytes_0 = sim.trace().bytes();
  const std::int64_t virtual_0 = sim.now_ns();
  const std::uint64_t target = handled_0 + static_cast<std::uint64_t>(measured);
  const auto t0 = clock_type::now();
  const double cpu_0 = cpu_seconds();
  sim.run_until([&] { return seen.handled >= target; }, INT64_MAX);
  sim.trace().flush();
  const double s = seconds_since(t0);
  const double cpu = cpu_seconds() - cpu_0;
  const double delivered = static_cast<double>(seen.handled - handled_0);
  const double trace_bytes = static_cast<double>(sim.trace().bytes() - trace_bytes_0);
  const double hash_ns_per_delivery =
      trace_bytes > 0 ? trace_hash_ns_per_byte() * trace_bytes / delivered : 0.0;
  // Untraced runs hash nothing per delivery: no bound (JSON null, not "inf").
  char hash_bound[32] = "null";
  if (hash_ns_per_delivery > 0)
    std::snprintf(hash_bound, sizeof hash_bound, "%.0f", 1e9 / hash_ns_per_delivery);
  std::printf(
      "{\"bench\":\"simnet\",\"workload\":\"deliveries\",\"trace\":\"%s\",\"pods\":%d,"
      "\"actors_per_pod\":%d,\"window\":%d,\"peers\":%d,\"deliveries\":%.0f,"
      "\"network_deliveries\":%llu,\"events\":%llu,\"seconds\":%.6f,"
      "\"deliveries_per_s\":%.0f,\"cpu_seconds\":%.6f,\"deliveries_per_cpu_s\":%.0f,"
      "\"simulated_s\":%.6f,\"trace_bytes_per_delivery\":%.1f,"
      "\"hash_ns_per_delivery\":%.1f,\"hash_bound_deliveries_per_cpu_s\":%s,"
      "\"trace_hash\":\"%s\",\"goal_deliveries_per_s\":%.0f,\"met\":%s,\"met_cpu\":%s}\n",
      trace_label(o), pods, o.actors_per_pod, o.window, o.peers,
      delivered, static_cast<unsigned long long>(sim.stats().deliveries - stats_0.deliveries),
      static_cast<unsigned long long>(sim.stats().events - stats_0.events), s, delivered / s,
      cpu, delivered / cpu,
      static_cast<double>(sim.now_ns() - virtual_0) / 1e9, trace_bytes / delivered,
      hash_ns_per_delivery, hash_bound,
      troupe::sim::hash_hex(sim.trace().hash()).c_str(), deliveries_goal_per_s,
      delivered / s >= deliveries_goal_per_s ? "true" : "false",
      delivered / cpu >= deliveries_goal_per_s ? "true" : "false");
}

// -- compression: a 10-minute scenario at a fixed rate, with faults -------------------------

/// A partition that isolates the last pod, a kill and restart, a pause and resume.
std::vector<troupe::sim::fault> scenario_faults(int pods, std::int64_t length_ns) {
  using troupe::sim::fault;
  using troupe::sim::fault_kind;
  std::vector<fault> faults;
  auto at = [&](double fraction, fault_kind kind, std::string pod = {}) {
    fault f;
    f.at_ns = static_cast<std::int64_t>(static_cast<double>(length_ns) * fraction);
    f.kind = kind;
    f.pod = std::move(pod);
    faults.push_back(std::move(f));
    return &faults.back();
  };
  std::vector<std::string> majority;
  for (int i = 0; i + 1 < pods; ++i) majority.push_back(sim_bench::pod_name(i));
  at(0.2, fault_kind::partition)->groups = {majority, {sim_bench::pod_name(pods - 1)}};
  at(0.3, fault_kind::heal);
  at(0.5, fault_kind::kill, sim_bench::pod_name(3 % pods));
  at(0.55, fault_kind::restart, sim_bench::pod_name(3 % pods));
  at(0.75, fault_kind::pause, sim_bench::pod_name(5 % pods));
  at(0.77, fault_kind::resume, sim_bench::pod_name(5 % pods));
  return faults;
}

void run_compression(const options& o) {
  const int pods = o.pods > 0 ? o.pods : 10;
  const std::int64_t length_ns = o.minutes * 60'000'000'000LL;
  sim_bench::counters seen;
  auto app = app_config(o, pods);
  app.window = 0;
  app.tick_ns = o.tick_ms * 1'000'000;
  const auto t0 = clock_type::now();
  const double cpu_0 = cpu_seconds();
  troupe::sim::simulation sim(sim_config(o, "bench-compression"));
  sim.add_deployment("sim", pods, sim_bench::boot(app, &seen));
  const auto faults = scenario_faults(pods, length_ns);
  if (auto problem = sim.validate(faults)) {
    std::fprintf(stderr, "compression: %s\n", problem->c_str());
    std::exit(1);
  }
  sim.schedule(faults);
  sim.run_until(length_ns);
  sim.trace().flush();
  const double s = seconds_since(t0);
  const double cpu = cpu_seconds() - cpu_0;
  const double simulated_s = static_cast<double>(length_ns) / 1e9;
  std::printf(
      "{\"bench\":\"simnet\",\"workload\":\"compression\",\"trace\":\"%s\",\"pods\":%d,"
      "\"actors_per_pod\":%d,\"tick_ms\":%lld,\"faults\":%llu,\"simulated_s\":%.0f,"
      "\"seconds\":%.6f,\"compression\":%.1f,\"cpu_seconds\":%.6f,\"cpu_compression\":%.1f,"
      "\"deliveries\":%llu,\"network_drops\":%llu,"
      "\"events\":%llu,\"trace_hash\":\"%s\",\"goal_compression\":%.0f,\"met\":%s,"
      "\"met_cpu\":%s}\n",
      trace_label(o), pods, o.actors_per_pod, o.tick_ms,
      static_cast<unsigned long long>(sim.stats().faults), simulated_s, s, simulated_s / s,
      cpu, simulated_s / cpu,
      static_cast<unsigned long long>(seen.handled),
      static_cast<unsigned long long>(sim.stats().network_drops),
      static_cast<unsigned long long>(sim.stats().events),
      troupe::sim::hash_hex(sim.trace().hash()).c_str(), compression_goal,
      simulated_s / s >= compression_goal ? "true" : "false",
      simulated_s / cpu >= compression_goal ? "true" : "false");
}

// -- memory: RSS growth per pod ---------------------------------------------------------------

void run_memory(const options& o) {
  const int pods = o.pods > 0 ? o.pods : 100;
  sim_bench::counters seen;
  auto app = app_config(o, pods);
  app.window = 0;  // idle actors: what a booted pod costs, before traffic
  const long before_kib = rss_kib();
  auto sim = std::make_unique<troupe::sim::simulation>(sim_config(o, "bench-memory"));
  sim->add_deployment("sim", pods, sim_bench::boot(app, &seen));
  sim->run_for(1'000'000);  // every actor's pre_start runs (its peer proxies are created)
  const long booted_kib = rss_kib();
  std::printf(
      "{\"bench\":\"simnet\",\"workload\":\"memory\",\"pods\":%d,\"actors_per_pod\":%d,"
      "\"peers\":%d,\"rss_kib_before\":%ld,\"rss_kib_after\":%ld,\"rss_bytes_per_pod\":%.0f,"
      "\"rss_bytes_per_actor\":%.1f}\n",
      pods, o.actors_per_pod, o.peers, before_kib, booted_kib,
      static_cast<double>(booted_kib - before_kib) * 1024 / pods,
      static_cast<double>(booted_kib - before_kib) * 1024 / pods / o.actors_per_pod);
}

// -- command line ----------------------------------------------------------------------------

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: troupe-sim-bench [all|deliveries|compression|memory] [--deliveries N]\n"
               "       [--warmup N] [--trace PATH] [--pods P] [--actors A] [--window W]\n"
               "       [--peers K] [--tick-ms T] [--minutes M] [--seed S] [--no-trace]\n");
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  int i = 1;
  if (i < argc && argv[i][0] != '-') o.workload = argv[i++];
  for (; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-trace") {
      o.no_trace = true;
      continue;
    }
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    if (flag == "--deliveries") o.deliveries = std::atoll(value);
    else if (flag == "--warmup") o.warmup = std::atoll(value);
    else if (flag == "--trace") o.trace_path = value;
    else if (flag == "--pods") o.pods = std::atoi(value);
    else if (flag == "--actors") o.actors_per_pod = std::atoi(value);
    else if (flag == "--window") o.window = std::atoi(value);
    else if (flag == "--peers") o.peers = std::atoi(value);
    else if (flag == "--tick-ms") o.tick_ms = std::atoll(value);
    else if (flag == "--minutes") o.minutes = std::atoll(value);
    else if (flag == "--seed") o.seed = std::strtoull(value, nullptr, 10);
    else usage();
  }
  if (o.actors_per_pod <= 0 || o.peers < 0 || o.window < 0 || o.tick_ms <= 0 || o.minutes <= 0)
    usage();
  return o;
}

/// Runs one measurement in a child process, so that each starts from a fresh heap.
void run_isolated(void (*measure)(const options&), const options& o) {
  std::fflush(stdout);
  const pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    std::exit(1);
  }
  if (child == 0) {
    measure(o);
    std::fflush(stdout);
    std::_Exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "troupe-sim-bench: a measurement failed\n");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  if (o.workload == "deliveries") run_deliveries(o);
  else if (o.workload == "compression") run_compression(o);
  else if (o.workload == "memory") run_memory(o);
  else if (o.workload == "all") {
    run_isolated(run_memory, o);
    options bare = o;
    bare.trace_path.clear();
    bare.no_trace = true;
    run_isolated(run_deliveries, bare);
    options untraced = o;
    untraced.trace_path.clear();
    run_isolated(run_deliveries, untraced);
    options traced = o;
    if (traced.trace_path.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      traced.trace_path = std::string(tmp ? tmp : "/tmp") + "/troupe-sim-bench.trace.jsonl";
    }
    run_isolated(run_deliveries, traced);
    std::remove(traced.trace_path.c_str());
    run_isolated(run_compression, bare);
    run_isolated(run_compression, untraced);
  } else {
    usage();
  }
  return 0;
}
