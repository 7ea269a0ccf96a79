#pragma once
/// A scenario played on the local pod cluster (`troupe pods`, docs/kubernetes.md): its pods
/// as real node processes in network namespaces of their own, its fault schedule played on
/// the wall clock. Everything that touches the machine goes through `host`, so the tests
/// check the exact commands, signals and processes with a recording host and a fake clock.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "troupe/pods/network.hpp"
#include "troupe/pods/trace_merge.hpp"
#include "troupe/scenario/scenario.hpp"

namespace troupe::pods {

/// What the cluster needs from the machine. The runner's one thread calls it.
class host {
 public:
  virtual ~host() = default;
  /// Runs a command to its end. "" when it exited 0, otherwise what went wrong (its stderr).
  virtual std::string run(const argv& command) = 0;
  /// Starts `command` inside network namespace `netns` in a process group of its own, with
  /// stdout and stderr appended to `log_path`. The pid, or -1 with `error` set.
  virtual int spawn(const std::string& netns, const argv& command, const std::string& log_path,
                    std::string& error) = 0;
  virtual void send_signal(int pid, int signal) = 0;
  /// The exit code of `pid` if it has exited (128 + n for signal n), reaping it; otherwise
  /// nothing. Does not block.
  virtual std::optional<int> poll_exit(int pid) = 0;
  /// GET http://ip:port/path from inside `netns`: the HTTP status, 0 when something answered
  /// that is not HTTP, -1 when nothing accepted the connection. Bounded by a short timeout.
  virtual int probe(const std::string& netns, const std::string& ip, int port,
                    const std::string& path) = 0;
  /// Monotonic nanoseconds.
  virtual std::int64_t now_ns() = 0;
  /// Sleeps about `ns` (a few milliseconds at most per call is enough); returns early when
  /// interrupted.
  virtual void sleep_ns(std::int64_t ns) = 0;
  /// True once SIGINT, SIGTERM or SIGHUP arrived.
  virtual bool interrupted() = 0;
  /// A line of progress for the user ("[pods 3.001s] partition ...").
  virtual void say(const std::string& line) = 0;
};

struct cluster_options {
  /// The node program and the arguments before the per-pod flags, e.g. {"/usr/bin/troupe", "node"}.
  argv node_command;
  std::string scenario_path;  ///< passed to every node (--scenario)
  std::string work_dir;       ///< node logs and traces, the secret file
  std::string secret_file;
  std::int64_t grace_ns = 10'000'000'000;  ///< stop: SIGTERM, then SIGKILL after this
  std::int64_t ready_timeout_ns = 30'000'000'000;  ///< initial pods must be ready in this time
  bool netem = false;  ///< the kernel has tc netem: play delays
  std::int64_t epoch_ns = 0;  ///< Unix time of the run's time 0, given to every node
};

/// One run. Not thread-safe. The destructor does not clean up: call teardown().
class cluster {
 public:
  cluster(const scenario::scenario& s, cluster_options options, host& machine, std::uint64_t run_id);

  /// Builds the network (hub, one namespace per initial pod, the scenario's link
  /// conditions). "" or why not.
  std::string setup();
  /// Starts the initial pods at time 0 (now), then plays the fault schedule until the
  /// scenario's duration, then stops every pod gracefully. "" or why the run cannot be
  /// checked (interrupted, a command failed, a node exited on its own with an error).
  std::string run();
  /// Kills whatever still runs (SIGCONT + SIGKILL) and removes every namespace. Safe to
  /// call more than once and after a failed setup.
  void teardown();

  /// Fault events as played (trace `fault` events with the real time since time 0).
  const std::vector<nlohmann::ordered_json>& events() const { return events_; }
  /// One trace file per pod incarnation that was started.
  const std::vector<trace_source>& traces() const { return traces_; }
  /// What this platform did not play, one line each ("skew of kv-1 at 2s: ...").
  const std::vector<std::string>& unsupported() const { return unsupported_; }
  /// How late the latest fault was played behind its time, nanoseconds.
  std::int64_t lateness_ns_max() const { return lateness_ns_max_; }
  /// Seconds from time 0 until every initial pod answered its readiness probe.
  std::optional<double> ready_seconds() const { return ready_seconds_; }
  const network_layout& layout() const { return layout_; }

 private:
  struct pod_state {
    std::string name;
    std::string deployment;
    int ordinal = 0;
    std::uint64_t node_number = 0;  ///< unique in the run: the pod's address index
    std::uint64_t incarnation = 0;  ///< of the latest process, 1 for the first
    int pid = -1;                   ///< -1: no process
    bool paused = false;
    std::int64_t kill_at_ns = -1;   ///< a stopping pod is SIGKILLed then (-1: not stopping)
    bool exit_expected = false;     ///< we signalled it
  };

  /// A progress line, prefixed with the time since time 0.
  void say(const std::string& text);
  std::string start_pod(const std::string& name);
  void kill_pod(pod_state& pod);
  void stop_pod(pod_state& pod);
  std::string play(const sim::fault& f);
  std::string play_scale(const sim::fault& f, nlohmann::ordered_json& event);
  std::string play_conditions(const sim::link_conditions& link, const std::string& what);
  /// Reaps exited processes, SIGKILLs stopping ones past their grace. "" or the first
  /// unexpected failure.
  std::string service();
  std::string wait_until(std::int64_t deadline_ns);
  std::string wait_ready();
  std::string run_all(const std::vector<argv>& commands, bool tolerate_failures = false);
  std::int64_t elapsed_ns() const;
  nlohmann::ordered_json fault_event(const char* kind, const std::string& pod) const;
  std::string peers_of(const std::string& self) const;
  pod_state* find(const std::string& name);

  const scenario::scenario& scenario_;
  cluster_options options_;
  host& host_;
  network_layout layout_;
  std::map<std::string, pod_state> pods_;
  std::map<std::string, int> replicas_;  ///< per deployment, counting scale faults played
  std::vector<nlohmann::ordered_json> events_;
  std::vector<trace_source> traces_;
  std::vector<std::string> unsupported_;
  sim::link_conditions current_conditions_;  ///< what new pods get
  std::int64_t origin_ns_ = 0;
  std::int64_t lateness_ns_max_ = 0;
  std::optional<double> ready_seconds_;
  bool torn_down_ = false;
};

}  // namespace troupe::pods
