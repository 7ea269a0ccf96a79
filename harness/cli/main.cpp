// `troupe`: run, check, replay and compare scenarios; export traces; run a real node.
// Exit codes (docs/cli.md): 0 all properties hold, 1 a property failed, 2 bad input,
// 3 internal error.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "troupe/harness/runner.hpp"
#include "troupe/harness/search.hpp"
#include "troupe/scenario/scenario.hpp"
#include "troupe/simnet/duration.hpp"
#include "troupe/simnet/trace_writer.hpp"

#if __has_include("troupe/trace_model/export_main.hpp")
#include "troupe/trace_model/export_main.hpp"
#define TROUPE_HAVE_EXPORT 1
#endif
#if __has_include("troupe/k8s/k8s_main.hpp")
#include "troupe/k8s/k8s_main.hpp"
#define TROUPE_HAVE_K8S 1
#endif
#if __has_include("troupe/pods/pods_main.hpp")
#include "troupe/pods/pods_main.hpp"
#define TROUPE_HAVE_PODS 1
#endif
#if __has_include("troupe/node/scenario_node.hpp")
#include "troupe/node/scenario_node.hpp"
#define TROUPE_HAVE_NODE 1
#endif

namespace {

constexpr int exit_ok = 0;
constexpr int exit_property_failed = 1;
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 3;

using troupe::harness::run_report;
using troupe::scenario::scenario;

std::optional<scenario> load(const std::string& path) {
  auto loaded = troupe::scenario::load_scenario_file(path);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    std::fprintf(stderr, "troupe: %s: %s\n", path.c_str(), error->describe().c_str());
    return std::nullopt;
  }
  return std::get<scenario>(std::move(loaded));
}

void print_report(const scenario& s, const run_report& r, const std::string& trace) {
  std::printf("scenario %s  seed %llu  app %s\n", s.name.c_str(),
              static_cast<unsigned long long>(r.seed), s.app.c_str());
  std::printf("  %llu trace events, %llu simulation events, %llu network deliveries, %llu dropped, %llu faults\n",
              static_cast<unsigned long long>(r.trace_events),
              static_cast<unsigned long long>(r.stats.events),
              static_cast<unsigned long long>(r.stats.deliveries),
              static_cast<unsigned long long>(r.stats.network_drops),
              static_cast<unsigned long long>(r.stats.faults));
  std::printf("  %zu operations, %zu ok; simulated %s in %.2f s wall\n", r.operations,
              r.operations_ok, troupe::sim::format_duration(s.duration_ns).c_str(), r.wall_seconds);
  for (const auto& v : r.verdicts)
    std::printf("  %-28s %s%s%s\n", v.property.c_str(), v.ok ? "holds" : "FAILED",
                v.message.empty() ? "" : ": ", v.message.c_str());
  if (!r.error.empty()) std::printf("  error: %s\n", r.error.c_str());
  std::printf("  trace hash %s%s%s\n", troupe::sim::hash_hex(r.trace_hash).c_str(),
              trace.empty() ? "" : ", written to ", trace.c_str());
}

int exit_code(const run_report& r) {
  if (!r.error.empty()) return exit_internal;
  return r.passed() ? exit_ok : exit_property_failed;
}

int run_command(const std::string& file, std::optional<std::uint64_t> seed, const std::string& trace) {
  auto s = load(file);
  if (!s) return exit_bad_input;
  if (seed) s->seed = *seed;
  const auto report = troupe::harness::run_scenario(*s, {trace});
  print_report(*s, report, trace);
  return exit_code(report);
}

int replay_command(const std::string& file, const std::string& trace) {
  std::ifstream in(file);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "troupe: %s: not a replay file: %s\n", file.c_str(), e.what());
    return exit_bad_input;
  }
  std::string expected_hash;
  if (doc.contains("replay") && doc["replay"].is_object()) {
    expected_hash = doc["replay"].value("trace_hash", "");
    doc.erase("replay");
  }
  auto parsed = troupe::scenario::parse_scenario(doc);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&parsed)) {
    std::fprintf(stderr, "troupe: %s: %s\n", file.c_str(), error->describe().c_str());
    return exit_bad_input;
  }
  const auto& s = std::get<scenario>(parsed);
  const auto report = troupe::harness::run_scenario(s, {trace});
  print_report(s, report, trace);
  if (!expected_hash.empty()) {
    const bool same = troupe::sim::hash_hex(report.trace_hash) == expected_hash;
    std::printf("  %s the recorded trace hash %s\n", same ? "reproduces" : "DIFFERS from",
                expected_hash.c_str());
    if (!same) return exit_internal;
  }
  return exit_code(report);
}

int determinism_command(const std::string& file, std::uint64_t seeds) {
  auto s = load(file);
  if (!s) return exit_bad_input;
  const std::uint64_t first = s->seed;
  for (std::uint64_t i = 0; i < seeds; ++i) {
    s->seed = first + i;
    const std::string difference = troupe::harness::compare_runs(*s);
    if (!difference.empty()) {
      std::printf("seed %llu is NOT deterministic: %s\n", static_cast<unsigned long long>(s->seed),
                  difference.c_str());
      return exit_property_failed;
    }
    std::fprintf(stderr, "\rseeds %llu/%llu identical", static_cast<unsigned long long>(i + 1),
                 static_cast<unsigned long long>(seeds));
  }
  std::fprintf(stderr, "\n");
  std::printf("%llu seeds, each run twice: identical traces\n", static_cast<unsigned long long>(seeds));
  return exit_ok;
}

void progress_bar(std::uint64_t runs, std::uint64_t total, std::uint64_t failures, double seconds,
                  double budget) {
  const double done = budget > 0 ? std::min(1.0, seconds / budget)
                                 : static_cast<double>(runs) / static_cast<double>(std::max<std::uint64_t>(1, total));
  const int width = 30;
  const int filled = static_cast<int>(done * width);
  std::fprintf(stderr, "\r[%.*s%*s] %llu runs  %.1f runs/s  %llu failures ", filled,
               "==============================", width - filled, "",
               static_cast<unsigned long long>(runs), runs / std::max(seconds, 1e-9),
               static_cast<unsigned long long>(failures));
}

int check_command(const std::string& file, std::uint64_t seeds, double time_budget, unsigned jobs,
                  const std::string& replay_out, const std::string& shard) {
  auto s = load(file);
  if (!s) return exit_bad_input;
  troupe::harness::search_options options;
  options.first_seed = s->seed;
  options.runs = time_budget > 0 ? UINT64_MAX : seeds;
  options.time_budget_s = time_budget;
  options.jobs = jobs;
  if (!shard.empty()) {
    unsigned long long index = 0, count = 0;
    if (std::sscanf(shard.c_str(), "%llu/%llu", &index, &count) != 2 || count == 0 || index >= count) {
      std::fprintf(stderr, "troupe: --shard must be I/N with 0 <= I < N, got '%s'\n", shard.c_str());
      return exit_bad_input;
    }
    options.shard_index = index;
    options.shard_count = count;
  }
  double shown = -1;
  options.on_progress = [&](std::uint64_t runs, std::uint64_t failures, double seconds) {
    if (seconds - shown < 0.25 && failures == 0) return;  // a few updates a second
    shown = seconds;
    progress_bar(runs, seeds, failures, seconds, time_budget);
  };
  options.on_shrink_step = [](std::uint64_t runs, std::size_t faults) {
    // One line per accepted step: each is a smaller failing case.
    std::fprintf(stderr, "\rshrinking: %llu runs, %zu faults left   ", static_cast<unsigned long long>(runs), faults);
  };
  const auto result = troupe::harness::search(*s, options);
  std::fprintf(stderr, "\n");
  std::printf("%llu runs in %.1f s (%.1f runs/s)\n", static_cast<unsigned long long>(result.runs),
              result.seconds, result.runs / std::max(result.seconds, 1e-9));
  if (!result.found) {
    std::printf("no property failed\n");
    return exit_ok;
  }
  std::printf("FAILED: %s after %.1f s, run %llu (seed %llu)%s%s\n",
              result.original_report.first_failure().c_str(), result.seconds_to_failure,
              static_cast<unsigned long long>(result.runs),
              static_cast<unsigned long long>(result.original.seed),
              result.original_report.error.empty() ? "" : ": ",
              result.original_report.error.c_str());
  std::printf("shrunk in %llu steps, %llu runs, %.1f s: faults %zu -> %zu, clients %d -> %d, fault time %s -> %s\n",
              static_cast<unsigned long long>(result.shrink_steps),
              static_cast<unsigned long long>(result.shrink_runs), result.shrink_seconds,
              result.size_before.faults, result.size_after.faults, result.size_before.clients,
              result.size_after.clients, troupe::sim::format_duration(result.size_before.fault_time_ns).c_str(),
              troupe::sim::format_duration(result.size_after.fault_time_ns).c_str());
  for (const auto& v : result.shrunk_report.verdicts)
    if (!v.ok) std::printf("  %s: %s\n", v.property.c_str(), v.message.c_str());
  nlohmann::json doc = troupe::scenario::to_json(result.shrunk);
  doc["replay"] = {{"trace_hash", troupe::sim::hash_hex(result.shrunk_report.trace_hash)},
                   {"failed", result.shrunk_report.first_failure()}};
  const std::string out = replay_out.empty() ? s->name + ".replay.json" : replay_out;
  std::ofstream(out) << doc.dump(2) << "\n";
  std::printf("replay file: %s\nreplay it:   troupe replay %s --trace %s.trace.jsonl\n", out.c_str(),
              out.c_str(), s->name.c_str());
  return exit_property_failed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"troupe: test actor systems against the faults production will throw at them"};
  app.require_subcommand(1);
  app.footer("Exit codes: 0 all properties hold, 1 a property failed, 2 bad input, 3 internal error.");

  std::string file, trace, replay_out, shard;
  std::optional<std::uint64_t> seed;
  std::uint64_t seeds = 100;
  std::string time_text;
  unsigned jobs = 1;

  auto* run = app.add_subcommand("run", "Run a scenario once with one seed and check its properties");
  run->add_option("scenario", file, "Scenario file (docs/scenario-format.md)")->required();
  run->add_option("--seed", seed, "Seed (default: the scenario's)");
  run->add_option("--trace", trace, "Write the trace (JSON Lines, docs/trace-format.md) here");

  auto* check = app.add_subcommand("check", "Search generated fault schedules for a failure, shrink it, write a replay file");
  check->add_option("scenario", file, "Scenario file with a generator")->required();
  check->add_option("--seeds", seeds, "Number of runs (default 100)");
  check->add_option("--time", time_text, "Search for this long instead, e.g. 60s");
  check->add_option("--jobs", jobs, "Runs in parallel (default 1)");
  check->add_option("--replay-out", replay_out, "Replay file to write (default <scenario>.replay.json)");
  check->add_option("--shard", shard, "Take only shard I of N of the seeds (I/N), e.g. from JOB_COMPLETION_INDEX");

  auto* replay = app.add_subcommand("replay", "Reproduce a failure from a replay file");
  replay->add_option("file", file, "Replay file written by troupe check")->required();
  replay->add_option("--trace", trace, "Write the trace here");

  auto* determinism = app.add_subcommand("determinism", "Run each seed twice and compare the traces");
  determinism->add_option("scenario", file, "Scenario file")->required();
  determinism->add_option("--seeds", seeds, "Number of seeds (default 100)");

#ifdef TROUPE_HAVE_EXPORT
  auto* export_command = app.add_subcommand("export", "Convert a trace for Perfetto or ShiViz");
  export_command->allow_extras();
  export_command->prefix_command();
  export_command->set_help_flag();  // --help goes to the exporter, which documents its flags
#endif
#ifdef TROUPE_HAVE_NODE
  auto* node = app.add_subcommand("node", "Run a real node process over TCP");
  node->allow_extras();
  node->prefix_command();
  node->set_help_flag();  // --help goes to the node, which documents its flags
#endif
#ifdef TROUPE_HAVE_PODS
  auto* pods = app.add_subcommand("pods", "Play a scenario on local pods (network namespaces, real processes)");
  pods->allow_extras();
  pods->prefix_command();
  pods->set_help_flag();  // --help goes to `troupe pods`, which documents its flags
#endif
#ifdef TROUPE_HAVE_K8S
  auto* k8s = app.add_subcommand("k8s", "Play a scenario's faults on a Kubernetes cluster (default: print the plan)");
  k8s->allow_extras();
  k8s->prefix_command();
  k8s->set_help_flag();  // --help goes to `troupe k8s`, which documents its flags
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_bad_input;
  }
  try {
    if (run->parsed()) return run_command(file, seed, trace);
    if (replay->parsed()) return replay_command(file, trace);
    if (determinism->parsed()) return determinism_command(file, seeds);
    if (check->parsed()) {
      double budget = 0;
      if (!time_text.empty()) {
        auto ns = troupe::sim::parse_duration_ns(time_text);
        if (!ns) {
          std::fprintf(stderr, "troupe: --time: '%s' is not a duration\n", time_text.c_str());
          return exit_bad_input;
        }
        budget = static_cast<double>(*ns) / 1e9;
      }
      return check_command(file, seeds, budget, jobs, replay_out, shard);
    }
#ifdef TROUPE_HAVE_EXPORT
    if (export_command->parsed()) {
      std::vector<std::string> rest = export_command->remaining();
      std::vector<char*> args{argv[0]};
      for (auto& a : rest) args.push_back(a.data());
      return troupe_export_main(static_cast<int>(args.size()), args.data());
    }
#endif
#ifdef TROUPE_HAVE_K8S
    if (k8s->parsed()) {
      std::vector<std::string> rest = k8s->remaining();
      std::vector<char*> args{argv[0]};
      for (auto& a : rest) args.push_back(a.data());
      return troupe_k8s_main(static_cast<int>(args.size()), args.data());
    }
#endif
#ifdef TROUPE_HAVE_PODS
    if (pods->parsed()) {
      std::vector<std::string> rest = pods->remaining();
      std::vector<char*> args{argv[0]};
      for (auto& a : rest) args.push_back(a.data());
      return troupe_pods_main(static_cast<int>(args.size()), args.data());
    }
#endif
#ifdef TROUPE_HAVE_NODE
    if (node->parsed()) {
      std::vector<std::string> rest = node->remaining();
      std::vector<char*> args{argv[0]};
      for (auto& a : rest) args.push_back(a.data());
      return troupe_scenario_node_main(static_cast<int>(args.size()), args.data());
    }
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "troupe: internal error: %s\n", e.what());
    return exit_internal;
  }
  return exit_internal;
}
