#pragma once
/// `troupe-node`: one real node process running a built-in application (docs/transport.md,
/// "Running a node"). `troupe node` (harness/node) adds scenario pods on the same flags.
///
///   troupe-node --name kv-0 --listen 127.0.0.1:7355 --seeds 127.0.0.1:7356,127.0.0.1:7357
///               --secret-file FILE [--app echo|counter|ping] [--grace 10s] [--trace FILE]
///               [--management 127.0.0.1:8558] [--peers NAME=H:P,...] [--epoch-ns N] ...
///
/// Runs until SIGTERM or SIGINT, then shuts down gracefully (actors stop, peers get goodbye,
/// queues flush) within the grace period and returns 0. Returns 2 for bad flags or files,
/// 3 when the node cannot start (the address is in use ...).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::net {

struct node_services;

/// The built-in applications `troupe-node --app NAME` runs: "echo", "counter", "ping".
[[nodiscard]] bool builtin_app_known(std::string_view name);
/// Spawns built-in application `name` (builtin_app_known) on the node.
void start_builtin_app(std::string_view name, node_services& node);

/// Parses a duration with a unit: "250ms", "10s", "2m", "1h", "500us", "100ns" (integers
/// only). Returns nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_duration_ns(std::string_view text);

}  // namespace troupe::net

/// The `troupe node` subcommand. `argv[0]` is the program (or subcommand) name; flags follow.
/// Call from the main thread before any other thread starts: it blocks SIGTERM and SIGINT
/// in the whole process to wait for them.
int troupe_node_main(int argc, char** argv);
