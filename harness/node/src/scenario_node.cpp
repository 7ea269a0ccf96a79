// `troupe node` with a scenario (scenario_node.hpp).

#include "troupe/node/scenario_node.hpp"

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "troupe/cluster/cluster.hpp"
#include "troupe/net/node.hpp"
#include "troupe/net/node_main.hpp"
#include "troupe/node/discovery_loop.hpp"
#include "troupe/scenario/membership.hpp"

namespace troupe::node {

namespace {

/// Pods per deployment that get distinct message id numbers, and deployments: together
/// below the 65,536 node numbers of a trace's message ids.
constexpr int ordinals_max = 1024;
constexpr std::size_t deployments_max = 64;

std::string pod_list(const scenario::scenario& s) {
  std::string out;
  for (const auto& pod : s.initial_pods()) out += (out.empty() ? "" : ", ") + pod;
  return out;
}

}  // namespace

std::string find_pod(const scenario::scenario& s, const std::string& name, scenario_pod& pod) {
  const std::size_t dash = name.rfind('-');
  int ordinal = -1;
  if (dash != std::string::npos && dash + 1 < name.size()) {
    const char* first = name.data() + dash + 1;
    const char* last = name.data() + name.size();
    const auto [end, error] = std::from_chars(first, last, ordinal);
    if (error != std::errc{} || end != last) ordinal = -1;
  }
  for (std::size_t d = 0; ordinal >= 0 && d < s.deployments.size(); ++d) {
    const auto& deployment = s.deployments[d];
    if (deployment.name != name.substr(0, dash)) continue;
    if (ordinal >= ordinals_max || d >= deployments_max)
      return "--pod: '" + name + "': at most 64 deployments of 1024 pods have node numbers";
    pod = {name, deployment.name, ordinal, deployment.role == "client",
           static_cast<std::uint32_t>(d * ordinals_max + static_cast<std::size_t>(ordinal))};
    return {};
  }
  return "--pod: '" + name + "' is not a pod of scenario '" + s.name + "' (its pods: " +
         pod_list(s) + ")";
}

bool is_cluster_contact(const scenario::scenario& s, const std::string& name) {
  scenario_pod pod;
  return find_pod(s, name, pod).empty() && !pod.client;
}

apps::workload workload_on_platform(const apps::workload& load, std::int64_t platform_now_ns,
                                    std::int64_t epoch_elapsed_ns) {
  apps::workload out = load;
  const std::int64_t shift = platform_now_ns - epoch_elapsed_ns;
  out.start_ns = load.start_ns + shift;
  // 0 means "never stop"; a stop that maps to 0 or below has passed: keep it a stop.
  if (load.stop_ns > 0) out.stop_ns = std::max<std::int64_t>(load.stop_ns + shift, 1);
  return out;
}

std::string next_incarnation(const std::string& path, std::uint64_t& incarnation) {
  std::uint64_t previous = 0;
  std::error_code ignored;
  const bool exists = std::filesystem::exists(path, ignored);
  std::ifstream in;
  if (exists) in.open(path);
  if (exists && !in) return "--incarnation-file: '" + path + "' cannot be read";
  if (exists) {
    std::stringstream text;
    text << in.rdbuf();
    std::string number = text.str();
    while (!number.empty() && (number.back() == '\n' || number.back() == ' ')) number.pop_back();
    const auto [end, error] =
        std::from_chars(number.data(), number.data() + number.size(), previous);
    if (number.empty() || error != std::errc{} || end != number.data() + number.size())
      return "--incarnation-file: '" + path + "' does not hold a number";
  }
  if (previous >= UINT32_MAX) return "--incarnation-file: '" + path + "': too many restarts";
  // Written whole to a temporary file and renamed: a node killed while writing leaves the
  // old number, never a torn one.
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "--incarnation-file: cannot write '" + temporary + "': " + std::strerror(errno);
  const std::string text = std::to_string(previous + 1) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0)
    return "--incarnation-file: cannot write '" + path + "': " + std::strerror(errno);
  incarnation = previous + 1;
  return {};
}

std::string trace_path_of_incarnation(std::string path, std::uint64_t incarnation) {
  static constexpr std::string_view placeholder = "{incarnation}";
  const std::string number = std::to_string(incarnation);
  for (auto at = path.find(placeholder); at != std::string::npos;
       at = path.find(placeholder, at + number.size()))
    path.replace(at, placeholder.size(), number);
  return path;
}

namespace {

/// Makes /ready follow this node's own membership status: ready while it is `up`, not
/// ready (with the status) while joining, leaving, exiting, down or removed. Subscribed to
/// the cluster actor; runs on the worker pool.
class membership_readiness final : public actor<cluster::member_event> {
 public:
  explicit membership_readiness(net::node_health* health) : health_(health) {}
  void pre_start() override {
    auto cluster = system().lookup<cluster::cluster_protocol>(cluster::cluster_actor_name);
    TROUPE_ASSERT(cluster.has_value());  // started before this actor
    cluster->tell(cluster::subscribe{self_any()});
  }
  void on_message(cluster::member_event& event) override {
    if (event.node != system().node_name()) return;
    if (event.status == "reachable" || event.status == "unreachable") return;
    const bool up = event.status == "up";
    health_->set_ready(up, up ? "up" : "not an Up member: " + event.status);
  }

 private:
  net::node_health* health_;
};

/// Starts the pod's actors: membership first on a server pod of a scenario with a cluster
/// (then /ready waits for Up), then the application's servers or clients.
std::string boot_pod(net::node_services& node, const scenario::scenario& s,
                     const scenario_pod& pod, apps::node_context context,
                     apps::application& app, bool discovery) {
  if (pod.client) {
    const auto load = workload_on_platform(s.workload, node.system.get_platform().now_ns(),
                                           node.epoch_elapsed_ns);
    app.boot_client(node.system, context, load);
    return {};
  }
  if (s.cluster) {
    scenario::cluster_config membership = *s.cluster;
    membership.settings.formation_by_bootstrap = discovery;
    if (auto error = scenario::start_membership(node.system, membership); !error.empty())
      return error;
    node.ready_when_started = false;
    node.health.set_ready(false, "not an Up member: joining");
    auto watch = node.system.spawn_with<membership_readiness>({"readiness", {}}, &node.health);
    if (!watch.ok()) return watch.failure().message;
    context.cluster = true;
  }
  app.boot_server(node.system, context);
  return {};
}

struct scenario_node_flags {
  net::node_flags node;
  std::string scenario_file;
  std::string app = "echo";
  std::string incarnation_file;
  discovery_flags discovery;
};

/// Starts `--discovery` after the node's actors (the cluster actor, when it runs one): the
/// loop lives in `loop` until the node stops. Returns "" or why not.
std::string start_discovery(net::node_services& node, const discovery_settings& settings,
                            const k8s::peer& self, std::unique_ptr<discovery_loop>& loop) {
  auto cluster = node.system.lookup<cluster::cluster_protocol>(cluster::cluster_actor_name);
  loop = std::make_unique<discovery_loop>(settings, self, node.transport, cluster);
  loop->start();
  node.on_stopping = [&loop] { loop->stop(); };
  return {};
}

/// Runs pod `flags.node.name` of the loaded scenario.
int run_scenario_pod(const scenario_node_flags& flags, const scenario::scenario& s) {
  scenario_pod pod;
  std::string problem = find_pod(s, flags.node.name, pod);
  std::unique_ptr<apps::application> app;
  if (problem.empty()) {
    app = apps::make_application(s.app, s.app_options, problem);
    if (app) problem.clear();
    else problem = flags.scenario_file + ": " + problem;
  }
  net::node_settings settings;
  if (problem.empty()) problem = net::resolve_node_flags(flags.node, settings);
  if (!problem.empty()) {
    std::fprintf(stderr, "troupe node: %s\n", problem.c_str());
    return net::node_exit_bad_input;
  }
  if (settings.trace) {
    settings.trace->scenario = s.name;
    settings.trace->pods = s.initial_pods();
    const std::uint32_t number = flags.node.node_number >= 0
                                     ? static_cast<std::uint32_t>(flags.node.node_number)
                                     : pod.number;
    settings.trace->message_id_prefix = trace::message_id_prefix(number, settings.incarnation);
  }
  const bool discovery = !flags.discovery.method.empty();
  discovery_settings found;
  k8s::peer self;
  if (discovery) {
    problem = resolve_discovery_flags(flags.discovery, found);
    if (problem.empty())
      problem = discovered_self(pod.name, settings.transport.listen, std::getenv("POD_IP"), self);
    // `s` outlives the loop (stopped before run_node returns).
    found.contact_point = [&s](const std::string& name) { return is_cluster_contact(s, name); };
    if (!problem.empty()) {
      std::fprintf(stderr, "troupe node: %s\n", problem.c_str());
      return net::node_exit_bad_input;
    }
  }
  const apps::node_context context{pod.name, pod.deployment, pod.ordinal, settings.incarnation,
                                    s.server_pods()};
  std::unique_ptr<discovery_loop> loop;  // outlives run_node's transport: stopped before it
  return net::run_node(std::move(settings), [&](net::node_services& node) {
    auto error = boot_pod(node, s, pod, context, *app, discovery);
    // Last: nothing after it can fail and leave the thread running.
    if (error.empty() && discovery) error = start_discovery(node, found, self, loop);
    return error;
  });
}

}  // namespace
}  // namespace troupe::node

int troupe_scenario_node_main(int argc, char** argv) {
  using namespace troupe;
  node::scenario_node_flags flags;
  CLI::App command{
      "Runs one Troupe node: a pod of a scenario (--scenario, --pod), or a built-in "
      "application (--name, --app).",
      "troupe node"};
  net::add_node_flags(command, flags.node);
  command.add_option("--scenario", flags.scenario_file,
                     "scenario file: run the pod named by --pod (--name) of it");
  command.add_option("--incarnation-file", flags.incarnation_file,
                     "file counting this pod's starts (on a volume that outlives the process): "
                     "the incarnation is its number + 1, written back; replaces --incarnation");
  command.add_option("--discovery", flags.discovery.method,
                     "find the cluster's peers: dns:SERVICE.NAMESPACE.svc.cluster.local (the "
                     "headless service's SRV records) or kubernetes-api (the pod list); the "
                     "lowest address forms the cluster");
  command.add_option("--discovery-port-name", flags.discovery.port_name,
                     "the named container port to dial (SRV records, or the pods' ports)")
      ->capture_default_str();
  command.add_option("--discovery-dns", flags.discovery.dns_server,
                     "DNS server HOST:PORT (default: the first nameserver of /etc/resolv.conf)");
  command.add_option("--discovery-api-server", flags.discovery.api_server,
                     "kubernetes-api: the API server HOST:PORT (default: "
                     "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)");
  command.add_option("--discovery-service-account", flags.discovery.service_account,
                     "kubernetes-api: the folder of the service account's token, ca.crt and "
                     "namespace")
      ->capture_default_str();
  command.add_option("--discovery-namespace", flags.discovery.pod_namespace,
                     "kubernetes-api: the namespace of the pods (default: $POD_NAMESPACE, else "
                     "the service account's namespace file)");
  command.add_option("--discovery-label-selector", flags.discovery.label_selector,
                     "kubernetes-api: the pods' label selector (default: "
                     "$TROUPE_DISCOVERY_LABEL_SELECTOR, else app=troupe)");
  command.add_option("--discovery-contact-points", flags.discovery.contact_points,
                     "contact points (this node included) needed to form a new cluster")
      ->capture_default_str();
  command.add_option("--discovery-stable-margin", flags.discovery.stable_margin,
                     "how long the discovered set must not change before a cluster is formed")
      ->capture_default_str();
  command.add_option("--discovery-interval", flags.discovery.interval,
                     "time between discovery polls (100ms to 60s)")
      ->capture_default_str();
  command.add_option("--app", flags.app,
                     "without --scenario: built-in application echo, counter or ping")
      ->capture_default_str();
  try {
    command.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = command.exit(error);
    return code == 0 ? 0 : net::node_exit_bad_input;
  }
  auto bad = [](const std::string& why) {
    std::fprintf(stderr, "troupe node: %s\n", why.c_str());
    return net::node_exit_bad_input;
  };
  if (flags.node.name.empty()) return bad("--pod (or --name) is required");
  if (!flags.incarnation_file.empty()) {
    if (command.count("--incarnation") > 0)
      return bad("--incarnation and --incarnation-file exclude each other");
    if (auto error = node::next_incarnation(flags.incarnation_file, flags.node.incarnation);
        !error.empty())
      return bad(error);
  }
  flags.node.trace_file =
      node::trace_path_of_incarnation(flags.node.trace_file, flags.node.incarnation);
  if (flags.scenario_file.empty()) {
    if (!net::builtin_app_known(flags.app))
      return bad("--app: unknown application '" + flags.app + "' (echo, counter, ping)");
    net::node_settings settings;
    if (auto error = net::resolve_node_flags(flags.node, settings); !error.empty()) return bad(error);
    node::discovery_settings found;
    k8s::peer self;
    if (!flags.discovery.method.empty()) {
      if (auto error = node::resolve_discovery_flags(flags.discovery, found); !error.empty())
        return bad(error);
      if (auto error = node::discovered_self(flags.node.name, settings.transport.listen,
                                             std::getenv("POD_IP"), self);
          !error.empty())
        return bad(error);
    }
    std::unique_ptr<node::discovery_loop> loop;  // stopped before the transport
    return net::run_node(std::move(settings), [&](net::node_services& services) {
      net::start_builtin_app(flags.app, services);
      if (flags.discovery.method.empty()) return std::string();
      return node::start_discovery(services, found, self, loop);
    });
  }
  if (command.count("--app") > 0) return bad("--app cannot be used with --scenario");
  auto loaded = scenario::load_scenario_file(flags.scenario_file);
  if (auto* error = std::get_if<scenario::load_error>(&loaded))
    return bad(flags.scenario_file + ": " + error->describe());
  return node::run_scenario_pod(flags, std::get<scenario::scenario>(loaded));
}
