// `troupe pods`: flags, machine checks, the run, the merged trace and the verdicts.

#include "troupe/pods/pods_main.hpp"

#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "troupe/pods/cluster.hpp"
#include "troupe/pods/system_host.hpp"
#include "troupe/pods/run_report.hpp"
#include "troupe/scenario/scenario.hpp"
#include "troupe/simnet/duration.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 3;
constexpr int exit_skipped = 77;
constexpr int exit_interrupted = 130;

using troupe::pods::cluster;

struct pods_flags {
  std::string scenario_path;
  std::string trace_path;
  bool keep = false;
  std::string node_program;  ///< empty: this program's `node` subcommand
  std::string grace = "10s";
  std::string ready_timeout = "30s";
};

/// A fresh secret for the run's nodes (they authenticate each other with it).
bool write_secret(const std::string& path) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) return false;
  std::ofstream out(path);
  for (unsigned char b : bytes) out << "0123456789abcdef"[b >> 4] << "0123456789abcdef"[b & 15];
  out << "\n";
  out.close();
  return out.good() && chmod(path.c_str(), 0600) == 0;
}

std::string self_program() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("troupe") : path.string();
}

int run_pods(const pods_flags& flags) {
  auto loaded = troupe::scenario::load_scenario_file(flags.scenario_path);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    std::fprintf(stderr, "troupe: %s: %s\n", flags.scenario_path.c_str(), error->describe().c_str());
    return exit_bad_input;
  }
  const auto& s = std::get<troupe::scenario::scenario>(loaded);
  troupe::pods::cluster_options options;
  for (auto [text, target, name] : {std::tuple{&flags.grace, &options.grace_ns, "--grace"},
                                    std::tuple{&flags.ready_timeout, &options.ready_timeout_ns, "--ready-timeout"}}) {
    auto ns = troupe::sim::parse_duration_ns(*text);
    if (!ns) {
      std::fprintf(stderr, "troupe pods: %s: '%s' is not a duration\n", name, text->c_str());
      return exit_bad_input;
    }
    *target = *ns;
  }
  if (s.initial_pods().size() > static_cast<std::size_t>(troupe::pods::pods_max)) {
    std::fprintf(stderr, "troupe pods: at most %d pods\n", troupe::pods::pods_max);
    return exit_bad_input;
  }
  if (auto why = troupe::pods::local_pods_unsupported(); !why.empty()) {
    std::fprintf(stderr, "troupe pods: skipped: %s\n", why.c_str());
    return exit_skipped;
  }
  for (const auto& name : troupe::pods::sweep_leftovers())
    std::fprintf(stderr, "[pods] removed %s, left behind by an earlier run\n", name.c_str());

  const auto run_id = static_cast<std::uint64_t>(getpid());
  char work_template[] = "/tmp/tpods-run.XXXXXX";
  if (mkdtemp(work_template) == nullptr) {
    std::perror("troupe pods: mkdtemp");
    return exit_internal;
  }
  options.work_dir = work_template;
  options.secret_file = options.work_dir + "/secret";
  if (!write_secret(options.secret_file)) {
    std::fprintf(stderr, "troupe pods: cannot write %s\n", options.secret_file.c_str());
    return exit_internal;
  }
  options.scenario_path = std::filesystem::absolute(flags.scenario_path).string();
  options.node_command = flags.node_program.empty() ? troupe::pods::argv{self_program(), "node"}
                                                    : troupe::pods::argv{flags.node_program};
  options.netem = troupe::pods::netem_available(std::string(troupe::pods::run_prefix) +
                                                std::to_string(run_id) + "-probe");
  options.epoch_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const auto started = std::chrono::steady_clock::now();
  troupe::pods::system_host machine;
  cluster pods(s, options, machine, run_id);
  std::string error = pods.setup();
  if (error.empty()) error = pods.run();
  pods.teardown();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int code = exit_internal;
  if (machine.interrupted()) {
    std::fprintf(stderr, "[pods] interrupted by signal %d: pods stopped, namespaces removed\n",
                 machine.interrupting_signal());
    code = exit_interrupted;
  } else {
    troupe::pods::run_record record{.platform = "pods",
                                    .epoch_ns = options.epoch_ns,
                                    .runner_events = pods.events(),
                                    .traces = pods.traces(),
                                    .pods = pods.layout().pods().size(),
                                    .error = error,
                                    .wall_seconds = wall,
                                    .ready_seconds = pods.ready_seconds(),
                                    .lateness_ns_max = pods.lateness_ns_max(),
                                    .not_played = pods.unsupported()};
    code = troupe::pods::judge_run(s, record, flags.trace_path);
  }
  if (flags.keep) {
    std::fprintf(stderr, "[pods] node logs and traces kept in %s\n", options.work_dir.c_str());
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(options.work_dir, ignored);
  }
  return code;
}

}  // namespace

int troupe_pods_main(int argc, char** argv) {
  CLI::App app{"troupe pods: play a scenario on local pods (real node processes in network "
               "namespaces, faults with iptables and signals) and check its properties"};
  app.footer("Exit codes: 0 all properties hold, 1 a property failed, 2 bad input, 3 internal error, "
             "77 not root or no network namespaces (skipped), 130 interrupted. Needs root, ip, iptables.");
  pods_flags flags;
  app.add_option("scenario", flags.scenario_path, "Scenario file (docs/scenario-format.md)")->required();
  app.add_option("--trace", flags.trace_path, "Write the merged trace (JSON Lines) here");
  app.add_flag("--keep", flags.keep, "Keep the node logs and per-node traces (the folder is printed)");
  app.add_option("--grace", flags.grace, "Graceful stop: SIGTERM, then SIGKILL after this (default 10s)");
  app.add_option("--ready-timeout", flags.ready_timeout, "Initial pods must answer /ready within this (default 30s)");
  app.add_option("--node", flags.node_program,
                 "Node program taking `troupe node`'s flags (default: this program's `node` subcommand)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_bad_input;
  }
  return run_pods(flags);
}
