// `troupe k8s`: flags, the dry-run script, and a whole run played with kubectl.

#include "troupe/k8s/k8s_main.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "troupe/k8s/chaos_script.hpp"
#include "troupe/pods/run_report.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 3;
constexpr int exit_skipped = 77;
constexpr int exit_interrupted = 130;

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) {
  interrupted = 1;
}

/// Runs argv with `input` on its stdin and its stdout into `output_file` ("": inherited).
/// Returns the exit code (-1: could not start).
int run(const std::vector<std::string>& argv, const std::string& input,
        const std::string& output_file) {
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

std::int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A fresh secret for the run's nodes: 32 random bytes in hex.
std::string random_secret() {
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32] = {};
  random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  std::string out;
  for (unsigned char b : bytes) out += {"0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 15]};
  return out;
}

/// One run against the cluster: the steps in order, the faults on time.
class k8s_run {
 public:
  explicit k8s_run(const troupe::k8s::run_plan& plan) : plan_(plan), secret_(random_secret()) {}

  /// Runs one step; "" or what failed.
  std::string step(const troupe::k8s::chaos_step& step) {
    std::fprintf(stderr, "[k8s %s] %s%s\n", clock().c_str(), line_of(step.argv).c_str(),
                 step.manifest ? (" <" + step.manifest->value("kind", std::string()) + " " +
                                  (*step.manifest)["metadata"].value("name", std::string()) + ">")
                                     .c_str()
                               : "");
    const std::string input =
        step.manifest
            ? troupe::k8s::fill_in(step.manifest->dump(), std::to_string(epoch_ns_), secret_)
            : "";
    const int code = run(step.argv, input, "");
    return code == 0 ? std::string() : line_of(step.argv) + ": exit status " + std::to_string(code);
  }
  std::string steps(const std::vector<troupe::k8s::chaos_step>& list) {
    for (const auto& s : list) {
      if (interrupted) return "interrupted";
      if (auto failure = step(s); !failure.empty()) return failure;
    }
    return {};
  }
  /// Best effort: a missing log or trace is reported, the run goes on.
  void collect(const std::vector<troupe::k8s::collect_step>& list) {
    for (const auto& c : list) {
      std::fprintf(stderr, "[k8s %s] %s\n", clock().c_str(), line_of(c.argv).c_str());
      if (run(c.argv, "", c.stdout_file) != 0)
        std::fprintf(stderr, "[k8s] %s failed\n", line_of(c.argv).c_str());
    }
  }

  /// Time 0: the StatefulSets start with this epoch.
  void start_clock() {
    epoch_ns_ = unix_now_ns();
    origin_ = std::chrono::steady_clock::now();
  }
  std::int64_t epoch_ns() const { return epoch_ns_; }
  std::int64_t elapsed_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                origin_)
        .count();
  }

  /// Plays the fault steps at their times; the last (the chaos cleanup) always runs.
  std::string play_faults() {
    std::string failure;
    const auto& steps = plan_.faults.steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const bool cleanup = i + 1 == steps.size();
      if (!cleanup && (interrupted || !failure.empty())) continue;  // straight to the cleanup
      if (failure.empty()) wait_until(steps[i].at_ns);
      const std::int64_t at = elapsed_ns();
      if (steps[i].event) {
        lateness_ns_max_ = std::max(lateness_ns_max_, at - steps[i].at_ns);
        nlohmann::ordered_json event{{"t", at}, {"ev", "fault"}};
        for (const auto& [key, value] : steps[i].event->items())
          if (key != "ev") event[key] = value;
        events_.push_back(std::move(event));
      }
      if (auto problem = step(steps[i]); !problem.empty() && failure.empty()) failure = problem;
    }
    return failure;
  }
  void wait_until(std::int64_t at_ns) {
    while (!interrupted && elapsed_ns() < at_ns)
      std::this_thread::sleep_for(
          std::chrono::nanoseconds(std::min<std::int64_t>(at_ns - elapsed_ns(), 20'000'000)));
  }

  const std::vector<nlohmann::ordered_json>& events() const { return events_; }
  std::int64_t lateness_ns_max() const { return lateness_ns_max_; }

 private:
  std::string clock() const {
    char text[32];
    std::snprintf(text, sizeof text, "%.3fs",
                  epoch_ns_ == 0 ? 0.0 : static_cast<double>(elapsed_ns()) / 1e9);
    return text;
  }

  const troupe::k8s::run_plan& plan_;
  std::string secret_;
  std::int64_t epoch_ns_ = 0;
  std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();
  std::int64_t lateness_ns_max_ = 0;
  std::vector<nlohmann::ordered_json> events_;
};

/// The collected trace files: <directory>/traces/<pod>/trace-<incarnation>.jsonl for every
/// pod the scenario ever had, in pod order, then incarnation order.
std::vector<troupe::pods::trace_source> collected_traces(const troupe::scenario::scenario& s,
                                                         const std::string& directory) {
  std::vector<troupe::pods::trace_source> out;
  for (const auto& pod : troupe::k8s::pods_ever(s)) {
    std::vector<std::pair<unsigned long, std::string>> files;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(directory + "/traces/" + pod, error)) {
      const std::string name = entry.path().filename().string();
      unsigned long incarnation = 0;
      char rest = 0;
      if (std::sscanf(name.c_str(), "trace-%lu.jsonl%c", &incarnation, &rest) == 1 &&
          name.ends_with(".jsonl"))
        files.emplace_back(incarnation, entry.path().string());
    }
    std::sort(files.begin(), files.end());
    // Any incarnation may have been killed (a kill, a pod-failure): a cut-short last line
    // is skipped, not an error.
    for (const auto& [incarnation, path] : files) out.push_back({path, pod, true});
  }
  return out;
}

int apply(const troupe::scenario::scenario& s, const troupe::k8s::run_plan& plan,
          const troupe::k8s::run_options& options, const std::string& trace_path) {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  for (const auto& u : plan.faults.unsupported)
    std::fprintf(stderr, "[k8s] not played: %s\n", u.c_str());
  // As `troupe pods` without root: no platform to run on is a skip, not a failure.
  const std::vector<std::string> reach = {options.chaos.kubectl, "get", "namespace",
                                          options.chaos.pod_namespace, "-o", "name"};
  if (run(reach, "", "/dev/null") != 0) {
    std::fprintf(stderr,
                 "troupe k8s: skipped: `%s` failed (no kubectl, no cluster, or no such "
                 "namespace: kubectl create namespace %s)\n",
                 line_of(reach).c_str(), options.chaos.pod_namespace.c_str());
    return exit_skipped;
  }
  const auto wall_start = std::chrono::steady_clock::now();
  k8s_run cluster(plan);
  std::string failure = cluster.steps(plan.deploy);
  std::optional<double> ready_seconds;
  bool started = false;
  if (failure.empty()) {
    cluster.start_clock();
    started = true;
    failure = cluster.steps(plan.start);
    if (failure.empty()) failure = cluster.steps(plan.wait_ready);
    if (failure.empty()) ready_seconds = static_cast<double>(cluster.elapsed_ns()) / 1e9;
  }
  if (started && failure.empty()) failure = cluster.play_faults();
  if (failure == "interrupted") failure.clear();
  std::filesystem::create_directories(options.directory);
  if (started && !interrupted) cluster.collect(plan.logs);
  // The pods stop in any case: a run never leaves them running.
  std::string stop_failure = plan.stop.empty() ? std::string() : cluster.step(plan.stop.front());
  if (!interrupted && stop_failure.empty() && started) {
    std::vector<troupe::k8s::chaos_step> collector(plan.stop.begin() + 1, plan.stop.end());
    stop_failure = cluster.steps(collector);
    std::error_code ignored;
    std::filesystem::remove_all(options.directory + "/traces", ignored);
    if (stop_failure.empty()) cluster.collect(plan.collect);
  }
  for (const auto& step : plan.teardown) (void)cluster.step(step);
  if (interrupted) {
    std::fprintf(stderr,
                 "[k8s] interrupted: the run's pods were stopped and its objects deleted\n");
    return exit_interrupted;
  }
  if (failure.empty() && !stop_failure.empty()) failure = "collecting the traces: " + stop_failure;
  troupe::pods::run_record record{
      .platform = "k8s",
      .epoch_ns = cluster.epoch_ns(),
      .runner_events = cluster.events(),
      .traces = collected_traces(s, options.directory),
      .pods = troupe::k8s::pods_ever(s).size(),
      .error = failure,
      .wall_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(),
      .ready_seconds = ready_seconds,
      .lateness_ns_max = cluster.lateness_ns_max(),
      .not_played = plan.faults.unsupported,
      .platform_name = "Kubernetes"};
  if (record.error.empty() && record.traces.empty())
    record.error = "no trace was collected in " + options.directory + "/traces";
  std::fprintf(stderr, "[k8s] traces and logs in %s\n", options.directory.c_str());
  return troupe::pods::judge_run(s, record, trace_path);
}

}  // namespace

int troupe_k8s_main(int argc, char** argv) {
  CLI::App app{
      "troupe k8s: run a scenario on a Kubernetes cluster (its pods as StatefulSets, its faults "
      "with kubectl and Chaos Mesh) and check its properties"};
  app.footer(
      "By default nothing is applied: the whole run is printed as a shell script.\n"
      "Exit codes: 0 all properties hold, 1 a property failed, 2 bad input, 3 a command failed\n"
      "or the traces could not be checked, 77 no kubectl, cluster or namespace (skipped),\n"
      "130 interrupted.");
  std::string file, trace_path;
  troupe::k8s::run_options options;
  bool dry_run = false, apply_flag = false, manifests = false;
  app.add_option("scenario", file, "Scenario file (docs/scenario-format.md)")->required();
  app.add_option("--namespace", options.chaos.pod_namespace,
                 "Namespace to run the scenario's pods in")
      ->required();
  app.add_flag("--dry-run", dry_run,
               "Print the run as a shell script, apply nothing (the default)");
  app.add_flag("--apply", apply_flag,
               "Run the scenario on the cluster, then merge and check the traces");
  app.add_flag("--manifests", manifests, "Print the run's manifests (YAML) and nothing else");
  app.add_option("--kubectl", options.chaos.kubectl, "kubectl program (default: kubectl on PATH)");
  app.add_option("--image", options.manifests.image,
                 "Image of the pods (built from k8s/Containerfile)")
      ->capture_default_str();
  app.add_option("--collect", options.directory,
                 "Folder for the pods' traces and logs (default: <scenario>-k8s)");
  app.add_option("--trace", trace_path, "Write the merged trace here (with --apply)");
  app.add_option("--ready-timeout", options.ready_timeout,
                 "The pods must be Ready within this (kubectl duration)")
      ->capture_default_str();
  app.add_flag("--keep", options.keep,
               "Keep the run's objects and trace volumes (the pods are stopped)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_bad_input;
  }
  if (dry_run + apply_flag + manifests > 1) {
    std::fprintf(stderr, "troupe k8s: --dry-run, --apply and --manifests exclude each other\n");
    return exit_bad_input;
  }
  auto loaded = troupe::scenario::load_scenario_file(file);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    std::fprintf(stderr, "troupe: %s: %s\n", file.c_str(), error->describe().c_str());
    return exit_bad_input;
  }
  const auto& s = std::get<troupe::scenario::scenario>(loaded);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (options.directory.empty()) options.directory = s.name + "-k8s";
  auto planned = troupe::k8s::plan_run(s, text.str(), options);
  if (auto* error = std::get_if<std::string>(&planned)) {
    std::fprintf(stderr, "troupe k8s: %s\n", error->c_str());
    return exit_bad_input;
  }
  const auto& plan = std::get<troupe::k8s::run_plan>(planned);
  if (manifests) {
    std::fputs(troupe::k8s::manifests_yaml(troupe::k8s::run_manifests(plan)).c_str(), stdout);
    return exit_ok;
  }
  if (!apply_flag) {
    std::fputs(troupe::k8s::render_script(s, plan, options).c_str(), stdout);
    return exit_ok;
  }
  return apply(s, plan, options, trace_path);
}
