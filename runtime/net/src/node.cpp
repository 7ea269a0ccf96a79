// One real node process (node.hpp): flags, the secret file, signals, the trace file, the
// management endpoint and the graceful shutdown.

#include "troupe/net/node.hpp"

#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "troupe/net/node_main.hpp"

namespace troupe::net {

namespace {

/// Largest secret file read; a cluster secret is a few dozen bytes.
constexpr std::size_t secret_file_bytes_max = 64 * 1024;
/// How often the main thread flushes the trace and sends a liveness probe turn.
constexpr std::int64_t housekeeping_interval_ns = 100'000'000;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Reads the secret: the file's bytes without trailing whitespace (a final newline from an
/// editor or `echo` is not part of the secret). Empty string: ok; otherwise why not.
std::string read_secret(const std::string& path, std::vector<std::byte>& secret) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return "cannot read the secret file '" + path + "'";
  std::string bytes;
  bytes.resize(secret_file_bytes_max + 1);
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(file.gcount()));
  if (bytes.size() > secret_file_bytes_max)
    return "the secret file '" + path + "' is larger than 64 KiB";
  while (!bytes.empty() && std::isspace(static_cast<unsigned char>(bytes.back()))) bytes.pop_back();
  if (bytes.empty()) return "the secret file '" + path + "' is empty";
  for (char c : bytes) secret.push_back(static_cast<std::byte>(c));
  return {};
}

/// A node number for message ids when no scenario numbers the pods: 16 bits of FNV-1a of
/// the name, never 0. Two names may collide; scenario nodes number pods exactly instead.
std::uint32_t hashed_node_number(std::string_view name) {
  std::uint32_t hash = 2166136261u;
  for (char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  const std::uint32_t number = (hash ^ (hash >> 16)) & 0xffff;
  return number == 0 ? 1 : number;
}

/// A worker-pool turn that proves the pool still runs turns (/alive). The main thread
/// schedules it every 100 ms unless the previous one has not run yet.
class liveness_probe final : public runnable {
 public:
  explicit liveness_probe(node_health& health) : health_(health) {}
  void run() override {
    health_.beat();
    pending_.store(false, std::memory_order_release);
  }
  /// Schedules a turn unless one is still waiting.
  void send(platform& on) {
    if (!pending_.exchange(true, std::memory_order_acq_rel)) on.schedule(*this);
  }

 private:
  node_health& health_;
  std::atomic<bool> pending_{false};
};

/// Stops the actors, then the transport (goodbye, flush), within `grace_ns` in all. True
/// when the actors stopped in time (the system may then be destroyed).
bool shut_down(actor_system& system, tcp_transport& transport, std::int64_t grace_ns) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(grace_ns);
  system.shutdown();
  while (!system.terminated() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto left = std::max(deadline - std::chrono::steady_clock::now(),
                             std::chrono::steady_clock::duration::zero());
  transport.stop(std::chrono::duration_cast<std::chrono::nanoseconds>(left));
  return system.terminated();
}

/// Waits for SIGTERM or SIGINT; meanwhile flushes the trace and probes the worker pool every
/// 100 ms. Returns the signal.
int wait_for_stop(const sigset_t& stop_signals, trace::node_trace* trace, liveness_probe& probe,
                  platform& on) {
  const timespec interval{0, housekeeping_interval_ns};
  for (;;) {
    probe.send(on);
    const int received = sigtimedwait(&stop_signals, nullptr, &interval);
    if (received == SIGTERM || received == SIGINT) return received;
    if (trace != nullptr) trace->flush();
  }
}

}  // namespace

// -- flags -------------------------------------------------------------------------------

void add_node_flags(CLI::App& command, node_flags& flags) {
  command.add_option("--name,--pod", flags.name, "this node's (pod's) name, e.g. kv-0");
  command.add_option("--listen", flags.listen, "host:port to accept peers on (port 0: any)")
      ->capture_default_str();
  command.add_option("--seeds", flags.seeds, "comma-separated host:port of peers to dial");
  command.add_option("--peers", flags.peers,
                     "comma-separated name=host:port of the run's nodes (this node's own "
                     "entry is skipped); each is dialled like a seed");
  command.add_option("--secret-file", flags.secret_file, "file holding the cluster secret")
      ->required();
  command.add_option("--grace", flags.grace, "time allowed for a graceful shutdown (10s, 500ms)")
      ->capture_default_str();
  command.add_option("--trace", flags.trace_file, "write this node's trace (JSON Lines) here");
  command.add_option("--management", flags.management,
                     "host:port of the HTTP endpoint: GET /alive, GET /ready");
  command.add_option("--epoch-ns", flags.epoch_ns,
                     "Unix time in ns of trace time 0, the same for every node of a run "
                     "(default: this node's start)");
  command.add_option("--incarnation", flags.incarnation,
                     "which start of this pod this is: 1 at the first, then 2, 3 ...")
      ->capture_default_str();
  command.add_option("--node-number", flags.node_number,
                     "0..65535, unique among the run's node processes: numbers this node's "
                     "message ids in its trace (default: from the scenario's pod, else a hash "
                     "of the name)");
  command.add_option("--threads", flags.threads, "actor worker threads (0: one per core)")
      ->capture_default_str();
}

std::optional<std::vector<named_address>> parse_peer_list(std::string_view text,
                                                          std::string* bad_item) {
  std::vector<named_address> out;
  std::set<std::string> names;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const std::size_t equals = item.find('=');
    std::optional<address> where;
    if (equals != std::string_view::npos && equals > 0 &&
        equals <= wire::max_node_name_bytes)
      where = parse_address(item.substr(equals + 1));
    if (!where || !names.insert(std::string(item.substr(0, equals))).second) {
      if (bad_item != nullptr) *bad_item = std::string(item);
      return std::nullopt;
    }
    out.push_back({std::string(item.substr(0, equals)), *where});
  }
  return out;
}

std::string resolve_node_flags(const node_flags& flags, node_settings& settings) {
  if (flags.name.empty() || flags.name.size() > wire::max_node_name_bytes)
    return "--name must have 1 to 255 bytes";
  auto& config = settings.transport;
  config.node_name = flags.name;
  auto listen = parse_address(flags.listen, true);
  if (!listen) return "--listen: '" + flags.listen + "' is not host:port";
  config.listen = *listen;
  std::string bad;
  auto seeds = parse_address_list(flags.seeds, &bad);
  if (!seeds) return "--seeds: '" + bad + "' is not host:port";
  config.seeds = std::move(*seeds);
  auto peers = parse_peer_list(flags.peers, &bad);
  if (!peers) return "--peers: '" + bad + "' is not name=host:port (or the name repeats)";
  for (auto& peer : *peers) {
    if (peer.name == flags.name) continue;  // every node may get the same list
    config.seeds.push_back(peer.where);
    settings.peers.push_back(std::move(peer));
  }
  auto grace = parse_duration_ns(flags.grace);
  if (!grace) return "--grace: '" + flags.grace + "' is not a duration like 10s or 500ms";
  settings.grace_ns = *grace;
  if (!flags.management.empty()) {
    settings.management = parse_address(flags.management, true);
    if (!settings.management)
      return "--management: '" + flags.management + "' is not host:port";
  }
  if (flags.epoch_ns < 0) return "--epoch-ns must not be negative";
  if (flags.incarnation == 0) return "--incarnation must be 1 or more";
  if (flags.node_number < -1 || flags.node_number > 65535)
    return "--node-number must be 0 to 65535";
  settings.incarnation = flags.incarnation;
  settings.epoch_ns = flags.epoch_ns;
  settings.threads = flags.threads;
  if (!flags.trace_file.empty()) {
    trace::node_trace_config trace;
    trace.path = flags.trace_file;
    trace.pod = flags.name;
    trace.pods.push_back(flags.name);
    for (const auto& peer : settings.peers) trace.pods.push_back(peer.name);
    trace.epoch_ns = flags.epoch_ns;
    trace.incarnation = flags.incarnation;
    const auto number = flags.node_number >= 0 ? static_cast<std::uint32_t>(flags.node_number)
                                               : hashed_node_number(flags.name);
    trace.message_id_prefix = trace::message_id_prefix(number, flags.incarnation);
    settings.trace = std::move(trace);
  }
  return read_secret(flags.secret_file, config.secret);
}

// -- health ------------------------------------------------------------------------------

node_health::node_health() : last_beat_ns_(steady_ns()) {}

void node_health::set_ready(bool ready, std::string text) {
  std::lock_guard lock(mutex_);
  ready_ = ready;
  text_ = std::move(text);
}

void node_health::set_stopping() { stopping_.store(true, std::memory_order_release); }

void node_health::beat() { last_beat_ns_.store(steady_ns(), std::memory_order_release); }

probe_answer node_health::ready() const {
  if (stopping_.load(std::memory_order_acquire)) return {false, "shutting down"};
  std::lock_guard lock(mutex_);
  return {ready_, text_};
}

probe_answer node_health::alive() const {
  // A node shutting down is alive: its actors stop and no probe turn runs, but it must not
  // be restarted in the middle of its goodbye.
  if (stopping_.load(std::memory_order_acquire)) return {true, "alive (shutting down)"};
  const std::int64_t since = steady_ns() - last_beat_ns_.load(std::memory_order_acquire);
  if (since < alive_window_ns) return {true, "alive"};
  return {false, "no actor turn ran for " + std::to_string(since / 1'000'000) + " ms"};
}

// -- the node ------------------------------------------------------------------------------

int run_node(node_settings settings, const node_start_function& start) {
  const std::string name = settings.transport.node_name;
  // Signals go to sigtimedwait below, never to a handler on some worker thread: block them
  // before any thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<trace::node_trace> trace;
  if (settings.trace) {
    const std::string path = settings.trace->path;
    trace = std::make_unique<trace::node_trace>(std::move(*settings.trace));
    if (!trace->ok()) {
      std::fprintf(stderr, "troupe node %s: cannot write the trace file '%s'\n", name.c_str(),
                   path.c_str());
      return node_exit_bad_input;
    }
    // Transport events (peers authenticated, connections closed, nodes down) go to the
    // trace as log lines too.
    settings.transport.log = [name, sink = trace.get()](std::string_view line) {
      std::fprintf(stderr, "troupe-net %s: %.*s\n", name.c_str(), static_cast<int>(line.size()),
                   line.data());
      sink->log("", "info", line);
    };
  }
  node_health health;
  liveness_probe probe(health);  // outlives the platform, which may still run it
  thread_pool_platform platform(settings.threads);
  const address listen = settings.transport.listen;
  tcp_transport transport(std::move(settings.transport));
  actor_system system(platform, system_config{.node_name = name, .trace = trace.get()});
  std::optional<management_server> management;
  if (settings.management) {
    management_config config;
    config.listen = *settings.management;
    config.alive = [&health] { return health.alive(); };
    config.ready = [&health] { return health.ready(); };
    management.emplace(std::move(config));
  }
  auto fail = [&](const std::string& error) {
    std::fprintf(stderr, "troupe node %s: %s\n", name.c_str(), error.c_str());
    return node_exit_internal;
  };
  if (auto error = transport.start(system); !error.empty()) return fail(error);
  if (management) {
    if (auto error = management->start(); !error.empty()) {
      shut_down(system, transport, settings.grace_ns);
      return fail(error);
    }
  }
  std::int64_t elapsed_ns = 0;
  if (trace) elapsed_ns = trace->now_ns();
  else if (settings.epoch_ns != 0) elapsed_ns = unix_ns() - settings.epoch_ns;
  node_services services{system, transport, trace.get(), health, elapsed_ns, true, {}};
  if (auto error = start(services); !error.empty()) {
    shut_down(system, transport, settings.grace_ns);
    return fail(error);
  }
  if (services.ready_when_started) health.set_ready(true, "started");
  std::printf("listening on %s\n", address{listen.host, transport.local_port()}.to_string().c_str());
  if (management)
    std::printf("management on %s\n",
                address{settings.management->host, management->local_port()}.to_string().c_str());
  std::fflush(stdout);

  const int received = wait_for_stop(stop_signals, trace.get(), probe, platform);
  health.set_stopping();
  if (services.on_stopping) services.on_stopping();
  std::fprintf(stderr, "troupe node %s: %s, shutting down (grace %lld ms)\n", name.c_str(),
               received == SIGTERM ? "SIGTERM" : "SIGINT",
               static_cast<long long>(settings.grace_ns / 1'000'000));
  const bool stopped = shut_down(system, transport, settings.grace_ns);
  if (management) management->stop();
  if (trace) trace->flush();
  if (!stopped) {
    // Actors still running after the grace period: the system cannot be destroyed safely,
    // and the process must go now.
    std::fprintf(stderr, "troupe node %s: actors still running after the grace period\n",
                 name.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(node_exit_ok);
  }
  return node_exit_ok;
}

}  // namespace troupe::net
