// `troupe-node`: a node running a built-in application (node_main.hpp, docs/transport.md);
// flags, trace, management endpoint and shutdown are node.hpp's.

#include "troupe/net/node_main.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdio>

#include "builtin_apps.hpp"
#include "troupe/net/node.hpp"

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

bool builtin_app_known(std::string_view name) {
  return name == "echo" || name == "counter" || name == "ping";
}

void start_builtin_app(std::string_view name, node_services& node) {
  TROUPE_ASSERT(builtin_app_known(name));
  (void)node.system.spawn_with<apps::echo>({"echo", {}});
  if (name == "counter") (void)node.system.spawn_with<apps::counter>({"counter", {}});
  if (name == "ping") (void)node.system.spawn_with<apps::pinger>({"pinger", {}}, &node.transport);
}

}  // namespace troupe::net

int troupe_node_main(int argc, char** argv) {
  troupe::net::node_flags flags;
  std::string app_name = "echo";
  CLI::App app{"Runs one Troupe node: actors reachable from other nodes over TCP.", "troupe node"};
  troupe::net::add_node_flags(app, flags);
  app.get_option("--name")->required();
  app.add_option("--app", app_name, "built-in application: echo, counter or ping")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : troupe::net::node_exit_bad_input;
  }
  troupe::net::node_settings settings;
  std::string error = troupe::net::resolve_node_flags(flags, settings);
  if (error.empty() && !troupe::net::builtin_app_known(app_name))
    error = "--app: unknown application '" + app_name + "' (echo, counter, ping)";
  if (!error.empty()) {
    std::fprintf(stderr, "troupe node: %s\n", error.c_str());
    return troupe::net::node_exit_bad_input;
  }
  return troupe::net::run_node(std::move(settings), [&app_name](troupe::net::node_services& node) {
    troupe::net::start_builtin_app(app_name, node);
    return std::string();
  });
}
