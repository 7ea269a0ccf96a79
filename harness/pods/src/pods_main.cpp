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
#include "troupe/pods/verdicts.hpp"
#include "troupe/scenario/scenario.hpp"
#include "troupe/simnet/duration.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_property_failed = 1;
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 3;
constexpr int exit_skipped = 77;
constexpr int exit_interrupted = 130;

using troupe::pods::cluster;
using json = nlohmann::ordered_json;

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

int finish(const troupe::scenario::scenario& s, const cluster& pods, const std::string& run_error,
           double wall_seconds, const pods_flags& flags, std::int64_t epoch_ns) {
  json header{{"format", "troupe-trace"}, {"version", 1}, {"seed", 0}, {"scenario", s.name},
              {"build", TROUPE_BUILD_ID}, {"platform", "pods"}, {"pods", s.initial_pods()},
              {"epoch_ns", epoch_ns}};
  auto merged = troupe::pods::merge_traces(header, pods.events(), pods.traces(), epoch_ns);
  std::string error = run_error;
  troupe::pods::checked_trace checked;
  // A simulated run ends at the scenario's duration; here the pods are stopped after it. Their
  // shutdown (goodbyes, members leaving) is not part of the scenario, so the trace ends at
  // the duration too: events are sorted by time, the later ones are the tail.
  std::size_t after_duration = 0;
  while (merged.lines.size() > 1 &&
         json::parse(merged.lines.back()).value("t", std::int64_t{0}) > s.duration_ns) {
    merged.lines.pop_back();
    ++after_duration;
  }
  merged.events -= after_duration;
  if (!merged.error.empty()) {
    if (error.empty()) error = "merging the traces: " + merged.error;
  } else if (error.empty()) {
    // A run that failed (a node died, a command failed) is not judged: its verdicts would
    // speak of a run that did not happen as the scenario says.
    const std::int64_t end_ns = std::max<std::int64_t>(s.duration_ns, 0);
    std::int64_t last_t = 0;
    if (merged.lines.size() > 1) last_t = json::parse(merged.lines.back()).value("t", std::int64_t{0});
    checked = troupe::pods::check_trace(s, merged.lines, std::max(end_ns, last_t));
    error = checked.error;
  }
  std::printf("scenario %s  platform pods  app %s\n", s.name.c_str(), s.app.c_str());
  std::printf("  %zu pods, %zu node traces merged: %llu trace events, %zu faults played",
              pods.layout().pods().size(), pods.traces().size(),
              static_cast<unsigned long long>(merged.events), pods.events().size());
  if (after_duration > 0) std::printf(" (%zu after the duration, the pods' shutdown, left out)", after_duration);
  if (merged.truncated_lines > 0) std::printf(", %llu cut-short lines of killed pods skipped",
                                              static_cast<unsigned long long>(merged.truncated_lines));
  std::printf("\n  %zu operations, %zu ok; ran %s in %.2f s wall", checked.operations, checked.operations_ok,
              troupe::sim::format_duration(s.duration_ns).c_str(), wall_seconds);
  if (pods.ready_seconds()) std::printf(" (pods ready after %.2f s)", *pods.ready_seconds());
  std::printf(", faults at most %.0f ms late\n", static_cast<double>(pods.lateness_ns_max()) / 1e6);
  for (const auto& u : pods.unsupported()) std::printf("  not played on local pods: %s\n", u.c_str());
  for (const auto& v : checked.verdicts)
    std::printf("  %-28s %s%s%s\n", v.property.c_str(), v.ok ? "holds" : "FAILED",
                v.message.empty() ? "" : ": ", v.message.c_str());
  if (!error.empty()) std::printf("  error: %s\n", error.c_str());
  if (!flags.trace_path.empty() && !merged.lines.empty()) {
    std::ofstream out(flags.trace_path);
    for (const auto& line : merged.lines) out << line << '\n';
    out.close();
    if (!out) {
      std::printf("  error: could not write the trace to '%s'\n", flags.trace_path.c_str());
      return exit_internal;
    }
    std::printf("  trace written to %s\n", flags.trace_path.c_str());
  }
  std::fflush(stdout);
  if (!error.empty()) return exit_internal;
  for (const auto& v : checked.verdicts)
    if (!v.ok) return exit_property_failed;
  return exit_ok;
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
    code = finish(s, pods, error, wall, flags, options.epoch_ns);
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
