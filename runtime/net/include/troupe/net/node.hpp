#pragma once
/// One real node process: what `troupe-node` (built-in apps) and `troupe node --scenario`
/// (a scenario's pod, harness/node) share: the common flags, the TCP transport, the trace
/// file, the management endpoint, signals and the graceful shutdown (docs/transport.md).
/// What actors the node runs is the caller's `node_start_function`.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "troupe/net/address.hpp"
#include "troupe/net/management_server.hpp"
#include "troupe/net/tcp_transport.hpp"
#include "troupe/runtime.hpp"
#include "troupe/trace/node_trace.hpp"

namespace CLI {
class App;
}

namespace troupe::net {

/// Exit codes (DESIGN.md, "The command line").
inline constexpr int node_exit_ok = 0;
inline constexpr int node_exit_bad_input = 2;
inline constexpr int node_exit_internal = 3;

/// The flags every node takes, as written (docs/cli.md, "troupe node").
struct node_flags {
  std::string name;         ///< --name / --pod
  std::string listen = "127.0.0.1:0";
  std::string seeds;        ///< host:port,...
  std::string peers;        ///< name=host:port,...
  std::string secret_file;
  std::string grace = "10s";
  std::string trace_file;   ///< "" : no trace
  std::string management;   ///< "" : no management endpoint
  std::int64_t epoch_ns = 0;  ///< Unix time (ns) of trace time 0; 0: the node's start
  std::uint64_t incarnation = 1;
  /// Unique in the run (0..65535), the high bits of this node's message ids; -1: the caller
  /// numbers the node (a scenario node from its pod) or a hash of the name does.
  std::int64_t node_number = -1;
  unsigned threads = 0;     ///< actor worker threads; 0: one per core
};

/// Adds the common flags to a CLI11 command (the caller adds its own, e.g. --app).
void add_node_flags(CLI::App& command, node_flags& flags);

/// One `--peers` item: a node's name and where it listens.
struct named_address {
  std::string name;
  address where;
};
/// Parses "kv-0=10.0.0.2:7355,kv-1=10.0.0.3:7355" (empty items skipped). Nullopt when an
/// item is not NAME=HOST:PORT (that item in `bad_item` when given) or a name repeats.
[[nodiscard]] std::optional<std::vector<named_address>> parse_peer_list(
    std::string_view text, std::string* bad_item = nullptr);

/// The node's readiness and liveness as the management endpoint reports them. Thread-safe.
class node_health {
 public:
  /// Liveness: the actor worker pool ran a probe turn within this time.
  static constexpr std::int64_t alive_window_ns = 3'000'000'000;

  node_health();
  /// Readiness from the node's applications (e.g. "up", or "joining" while not a member).
  void set_ready(bool ready, std::string text);
  /// The node is shutting down: not ready from now on, whatever set_ready says later.
  void set_stopping();
  /// A probe turn ran on the worker pool just now.
  void beat();
  [[nodiscard]] probe_answer ready() const;
  [[nodiscard]] probe_answer alive() const;

 private:
  mutable std::mutex mutex_;
  bool ready_ = false;               // guarded by mutex_
  std::string text_ = "starting";    // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> last_beat_ns_;  // steady clock
};

/// What a node's applications may use when they start.
struct node_services {
  actor_system& system;
  tcp_transport& transport;
  trace::node_trace* trace;  ///< nullptr without --trace
  node_health& health;
  /// The node's time since the trace epoch when the applications start (ns); add the
  /// platform's `now_ns()` difference to convert scenario times to platform times.
  std::int64_t epoch_elapsed_ns = 0;
  /// True: the node is ready once the start function returns. A start function that
  /// decides readiness itself (a cluster member: once Up) sets it to false and calls
  /// `health.set_ready` later.
  bool ready_when_started = true;
  /// Called on the main thread when a stop signal arrives, before the transport and the
  /// actors stop: a start function that runs threads of its own (discovery) stops them here.
  std::function<void()> on_stopping;
};

/// Spawns the node's actors. Returns "" or why it could not (the node then exits 3).
using node_start_function = std::function<std::string(node_services& services)>;

/// The flags, checked and resolved.
struct node_settings {
  tcp_transport_config transport;
  std::vector<named_address> peers;  ///< --peers without this node's own entry
  std::int64_t grace_ns = 0;
  std::optional<address> management;
  /// Set with --trace; the caller may fill in `scenario`, `pods` and `message_id_prefix`.
  std::optional<trace::node_trace_config> trace;
  std::uint64_t incarnation = 1;
  std::int64_t epoch_ns = 0;  ///< --epoch-ns (0: none given)
  unsigned threads = 0;
};

/// Checks the flags and reads the secret file. Returns "" or the problem (exit code 2),
/// naming the flag. Seeds are --seeds plus the addresses of --peers other than this node.
[[nodiscard]] std::string resolve_node_flags(const node_flags& flags, node_settings& settings);

/// Runs a node until SIGTERM or SIGINT: opens the trace, starts the transport, the
/// management endpoint and the applications (`start`), prints `listening on HOST:PORT`
/// (and `management on HOST:PORT`) on stdout, flushes the trace every 100 ms, then shuts
/// down gracefully within the grace period (docs/transport.md) and returns an exit code.
/// Call from the main thread before any other thread starts: it blocks SIGTERM and SIGINT
/// in the whole process to wait for them.
int run_node(node_settings settings, const node_start_function& start);

}  // namespace troupe::net
