// `troupe node`: flags, the secret file, the built-in application, signals and the graceful
// shutdown of one real node process (node_main.hpp, docs/transport.md).

#include "troupe/net/node_main.hpp"

#include <CLI/CLI.hpp>
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "builtin_apps.hpp"
#include "troupe/net/tcp_transport.hpp"
#include "troupe/runtime.hpp"

namespace troupe::net {

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end == text.data() || value < 0) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1'000;
  else if (unit == "ms") scale = 1'000'000;
  else if (unit == "s") scale = 1'000'000'000;
  else if (unit == "m") scale = 60'000'000'000;
  else if (unit == "h") scale = 3'600'000'000'000;
  else return std::nullopt;
  if (value > INT64_MAX / scale) return std::nullopt;
  return value * scale;
}

namespace {

/// Exit codes (DESIGN.md, "The command line").
constexpr int exit_ok = 0;
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 3;
/// Largest secret file read; a cluster secret is a few dozen bytes.
constexpr std::size_t secret_file_bytes_max = 64 * 1024;

struct node_options {
  std::string name;
  std::string listen = "127.0.0.1:0";
  std::string seeds;
  std::string secret_file;
  std::string app = "echo";
  std::string grace = "10s";
};

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

/// Turns the flags into a transport configuration; empty string: ok, else why not.
std::string configure(const node_options& options, tcp_transport_config& config,
                      std::int64_t& grace_ns) {
  if (options.name.empty() || options.name.size() > wire::max_node_name_bytes)
    return "--name must have 1 to 255 bytes";
  config.node_name = options.name;
  auto listen = parse_address(options.listen, true);
  if (!listen) return "--listen: '" + options.listen + "' is not host:port";
  config.listen = *listen;
  std::string bad;
  auto seeds = parse_address_list(options.seeds, &bad);
  if (!seeds) return "--seeds: '" + bad + "' is not host:port";
  config.seeds = std::move(*seeds);
  auto grace = parse_duration_ns(options.grace);
  if (!grace) return "--grace: '" + options.grace + "' is not a duration like 10s or 500ms";
  grace_ns = *grace;
  if (options.app != "echo" && options.app != "counter" && options.app != "ping")
    return "--app: unknown application '" + options.app + "' (echo, counter, ping)";
  return read_secret(options.secret_file, config.secret);
}

void start_app(const std::string& app, actor_system& system, tcp_transport& transport) {
  (void)system.spawn_with<apps::echo>({"echo", {}});
  if (app == "counter") (void)system.spawn_with<apps::counter>({"counter", {}});
  if (app == "ping") (void)system.spawn_with<apps::pinger>({"pinger", {}}, &transport);
}

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

int run_node(const node_options& options) {
  tcp_transport_config config;
  std::int64_t grace_ns = 0;
  if (auto error = configure(options, config, grace_ns); !error.empty()) {
    std::fprintf(stderr, "troupe node: %s\n", error.c_str());
    return exit_bad_input;
  }
  // Signals go to sigwait below, never to a handler on some worker thread: block them
  // before any thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  thread_pool_platform platform;
  tcp_transport transport(std::move(config));
  actor_system system(platform, system_config{.node_name = options.name});
  if (auto error = transport.start(system); !error.empty()) {
    std::fprintf(stderr, "troupe node %s: %s\n", options.name.c_str(), error.c_str());
    return exit_internal;
  }
  start_app(options.app, system, transport);
  std::printf("listening on %s\n",
              address{parse_address(options.listen, true)->host, transport.local_port()}
                  .to_string()
                  .c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&stop_signals, &received);
  std::fprintf(stderr, "troupe node %s: %s, shutting down (grace %s)\n", options.name.c_str(),
               received == SIGTERM ? "SIGTERM" : "SIGINT", options.grace.c_str());
  if (!shut_down(system, transport, grace_ns)) {
    // Actors still running after the grace period: the system cannot be destroyed safely,
    // and the process must go now.
    std::fprintf(stderr, "troupe node %s: actors still running after the grace period\n",
                 options.name.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(exit_ok);
  }
  return exit_ok;
}

}  // namespace
}  // namespace troupe::net

int troupe_node_main(int argc, char** argv) {
  troupe::net::node_options options;
  CLI::App app{"Runs one Troupe node: actors reachable from other nodes over TCP.", "troupe node"};
  app.add_option("--name", options.name, "this node's name, e.g. kv-0")->required();
  app.add_option("--listen", options.listen, "host:port to accept peers on (port 0: any)")
      ->capture_default_str();
  app.add_option("--seeds", options.seeds, "comma-separated host:port of peers to dial");
  app.add_option("--secret-file", options.secret_file, "file holding the cluster secret")
      ->required();
  app.add_option("--app", options.app, "built-in application: echo, counter or ping")
      ->capture_default_str();
  app.add_option("--grace", options.grace, "time allowed for a graceful shutdown (10s, 500ms)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  return troupe::net::run_node(options);
}
