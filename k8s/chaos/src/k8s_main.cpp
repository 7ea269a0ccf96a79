// `troupe k8s`: flags, the dry-run script, and playing the plan on time with kubectl.

#include "troupe/k8s/k8s_main.hpp"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "troupe/k8s/chaos_script.hpp"
#include "troupe/pods/trace_merge.hpp"
#include "troupe/pods/verdicts.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_property_failed = 1;
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 3;
constexpr int exit_interrupted = 130;

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) { interrupted = 1; }

/// Runs argv with `input` on its stdin and its stdout into `output_file` ("": inherited).
/// Returns the exit code (-1: could not start).
int run(const std::vector<std::string>& argv, const std::string& input, const std::string& output_file) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) return -1;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    if (!output_file.empty()) {
      const int out = open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (out < 0) _exit(126);
      dup2(out, 1);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  if (pid < 0) {
    close(in[1]);
    return -1;
  }
  if (!input.empty()) (void)!write(in[1], input.data(), input.size());
  close(in[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string line_of(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

/// Plays the steps at their times; the last step (the cleanup) always runs.
std::string play(const troupe::k8s::chaos_plan& plan) {
  const auto start = std::chrono::steady_clock::now();
  std::string failure;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    const bool cleanup = i + 1 == plan.steps.size();
    if (!cleanup) {
      const auto due = start + std::chrono::nanoseconds(step.at_ns);
      while (!interrupted && std::chrono::steady_clock::now() < due)
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            due - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
      if (interrupted || !failure.empty()) continue;  // straight to the cleanup
    }
    const double at = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "[k8s] %.3fs %s%s\n", at, line_of(step.argv).c_str(),
                 step.manifest ? (" <" + step.manifest->value("kind", std::string()) + ">").c_str() : "");
    const int code = run(step.argv, step.manifest ? step.manifest->dump() : std::string(), "");
    if (code != 0 && failure.empty())
      failure = line_of(step.argv) + ": exit status " + std::to_string(code);
  }
  return failure;
}

/// Merges and checks the collected traces when they share a time origin.
int judge(const troupe::scenario::scenario& s, const std::string& directory, const std::string& trace_path) {
  std::vector<troupe::pods::trace_source> sources;
  std::int64_t epoch = 0;
  bool common_origin = true;
  for (const auto& pod : troupe::k8s::pods_at_end(s)) {
    const std::string path = directory + "/" + pod + ".trace.jsonl";
    std::ifstream in(path);
    std::string first;
    if (!in || !std::getline(in, first)) continue;
    const auto header = nlohmann::json::parse(first, nullptr, false);
    const std::int64_t e = header.is_object() ? header.value("epoch_ns", std::int64_t{0}) : 0;
    if (e == 0) common_origin = false;
    else if (epoch == 0 || e < epoch) epoch = e;
    sources.push_back({path, pod, true});
  }
  std::printf("scenario %s  platform k8s  app %s\n  %zu pod traces collected in %s\n", s.name.c_str(),
              s.app.c_str(), sources.size(), directory.c_str());
  if (sources.empty() || !common_origin) {
    std::printf("  not checked: %s\n", sources.empty() ? "no trace could be collected"
                                                       : "the traces have no common time origin (start the "
                                                         "nodes with --epoch-ns)");
    return exit_internal;
  }
  nlohmann::ordered_json header{{"seed", 0}, {"scenario", s.name}, {"build", TROUPE_BUILD_ID},
                                {"platform", "k8s"}, {"pods", s.initial_pods()}, {"epoch_ns", epoch}};
  auto merged = troupe::pods::merge_traces(header, {}, sources, epoch);
  if (!merged.error.empty()) {
    std::printf("  error: %s\n", merged.error.c_str());
    return exit_internal;
  }
  const auto checked = troupe::pods::check_trace(s, merged.lines, s.duration_ns);
  std::printf("  %llu trace events, %zu operations, %zu ok\n", static_cast<unsigned long long>(merged.events),
              checked.operations, checked.operations_ok);
  for (const auto& v : checked.verdicts)
    std::printf("  %-28s %s%s%s\n", v.property.c_str(), v.ok ? "holds" : "FAILED",
                v.message.empty() ? "" : ": ", v.message.c_str());
  if (!trace_path.empty()) {
    std::ofstream out(trace_path);
    for (const auto& l : merged.lines) out << l << '\n';
    std::printf("  trace written to %s\n", trace_path.c_str());
  }
  if (!checked.error.empty()) {
    std::printf("  error: %s\n", checked.error.c_str());
    return exit_internal;
  }
  for (const auto& v : checked.verdicts)
    if (!v.ok) return exit_property_failed;
  return exit_ok;
}

int apply(const troupe::scenario::scenario& s, const troupe::k8s::chaos_plan& plan,
          const troupe::k8s::chaos_options& options, const troupe::k8s::collect_options& collect,
          const std::string& trace_path) {
  for (const auto& d : s.deployments) {
    const std::vector<std::string> get = {options.kubectl, "get", "statefulset/" + d.name, "-n",
                                          options.pod_namespace, "-o", "name"};
    if (run(get, "", "/dev/null") != 0) {
      std::fprintf(stderr, "troupe k8s: %s failed: deploy the scenario's StatefulSets first (docs/kubernetes.md)\n",
                   line_of(get).c_str());
      return exit_bad_input;
    }
  }
  for (const auto& u : plan.unsupported) std::fprintf(stderr, "[k8s] not played: %s\n", u.c_str());
  struct sigaction action{};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const std::string failure = play(plan);
  if (interrupted) {
    std::fprintf(stderr, "[k8s] interrupted: the run's chaos objects were deleted\n");
    return exit_interrupted;
  }
  if (!failure.empty()) {
    std::printf("error: %s (the run's chaos objects were deleted)\n", failure.c_str());
    return exit_internal;
  }
  std::filesystem::create_directories(collect.directory);
  for (const auto& c : troupe::k8s::collect_steps(s, options, collect)) {
    if (run(c.argv, "", c.stdout_file) != 0)
      std::fprintf(stderr, "[k8s] %s failed (the pod's trace or log is missing)\n", line_of(c.argv).c_str());
  }
  return judge(s, collect.directory, trace_path);
}

}  // namespace

int troupe_k8s_main(int argc, char** argv) {
  CLI::App app{"troupe k8s: play a scenario's faults against a Kubernetes cluster (kubectl, Chaos Mesh)"};
  app.footer("By default nothing is applied: the commands and manifests are printed as a shell script.\n"
             "Exit codes: 0 all properties hold, 1 a property failed, 2 bad input, 3 a command failed, 130 interrupted.");
  std::string file, trace_path;
  troupe::k8s::chaos_options options;
  troupe::k8s::collect_options collect;
  bool dry_run = false, apply_flag = false;
  app.add_option("scenario", file, "Scenario file (docs/scenario-format.md)")->required();
  app.add_option("--namespace", options.pod_namespace, "Namespace of the scenario's StatefulSets")->required();
  app.add_flag("--dry-run", dry_run, "Print the commands and manifests, apply nothing (the default)");
  app.add_flag("--apply", apply_flag, "Run the plan against the cluster at the scenario's times");
  app.add_option("--kubectl", options.kubectl, "kubectl program (default: kubectl on PATH)");
  app.add_option("--collect", collect.directory, "Folder for the pods' traces and logs (default: <scenario>-k8s)");
  app.add_option("--trace-in-pod", collect.trace_in_pod, "Where the nodes write their trace inside the pods")
      ->capture_default_str();
  app.add_option("--trace", trace_path, "Write the merged trace here (with --apply)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_bad_input;
  }
  if (dry_run && apply_flag) {
    std::fprintf(stderr, "troupe k8s: --dry-run and --apply exclude each other\n");
    return exit_bad_input;
  }
  auto loaded = troupe::scenario::load_scenario_file(file);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    std::fprintf(stderr, "troupe: %s: %s\n", file.c_str(), error->describe().c_str());
    return exit_bad_input;
  }
  const auto& s = std::get<troupe::scenario::scenario>(loaded);
  auto planned = troupe::k8s::plan_for_kubernetes(s, options);
  if (auto* error = std::get_if<std::string>(&planned)) {
    std::fprintf(stderr, "troupe k8s: %s\n", error->c_str());
    return exit_bad_input;
  }
  const auto& plan = std::get<troupe::k8s::chaos_plan>(planned);
  if (collect.directory.empty()) collect.directory = s.name + "-k8s";
  if (!apply_flag) {
    std::fputs(troupe::k8s::render_script(s, plan, options, collect).c_str(), stdout);
    return exit_ok;
  }
  return apply(s, plan, options, collect, trace_path);
}
