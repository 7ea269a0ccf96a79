// Goal: `troupe node --discovery` finds its peers inside Kubernetes and forms one cluster,
// through a headless service's SRV records (dns:) or the Kubernetes API's pod list
// (kubernetes-api): three nodes on 127.0.0.1 started together, each discovering the others
// through a real dnsmasq (Kubernetes-shaped records on a loopback port) or through an HTTPS
// stand-in of the API server (k8s/discovery/fake_api_server.py, its CA and token in a
// service-account folder), become Up members of ONE cluster (each sees all three Up); a
// node started later, although it has the lowest address and no stable window, joins that
// cluster instead of forming a second. A node whose API answers 403 says so and keeps
// running. Also: the flags are checked, and a wildcard listen host takes the downward API's
// POD_IP. Waits poll with deadlines; dnsmasq (Debian: dnsmasq-base), python3 or openssl
// absent: the process tests that need them skip.

#include "troupe/node/discovery_loop.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "dnsmasq_server.hpp"
#include "fake_api_server.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::child_process;
using troupe::net::testing::port_of;
using troupe::net::testing::wait_for_status;
using troupe::node::testing::dnsmasq_server;
using troupe::node::testing::find_dnsmasq;
using troupe::node::testing::free_port;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "discovery-node-" + std::to_string(getpid()) + "-" + name;
}

constexpr const char* service = "kv-headless.default.svc.cluster.local";

/// The members a node's trace shows Up last (the trace is flushed every 100 ms).
std::set<std::string> up_members(const std::string& trace) {
  std::ifstream in(trace);
  std::map<std::string, std::string> status;
  for (std::string line; std::getline(in, line);) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded() || event.value("ev", "") != "member") continue;
    const std::string s = event.value("status", "");
    if (s != "reachable" && s != "unreachable") status[event.value("member", "")] = s;
  }
  std::set<std::string> up;
  for (const auto& [member, s] : status)
    if (s == "up") up.insert(member);
  return up;
}

/// Polls until every trace shows exactly `expected` Up, or the deadline passes.
bool wait_for_one_cluster(const std::vector<std::string>& traces,
                          const std::set<std::string>& expected, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::all_of(traces.begin(), traces.end(),
                    [&](const std::string& t) { return up_members(t) == expected; }))
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

/// The kv scenario's pods as `troupe node --discovery` processes on 127.0.0.1: a cluster of
/// three is needed before one forms, the bootstrap's window is given per node.
class node_group {
 public:
  node_group() {
    std::ofstream(scenario_) << R"({
      "version": 1, "name": "kv-discovery", "app": {"name": "kv"},
      "deployments": [{"name": "kv", "replicas": 3}],
      "cluster": {"seed_timeout": "300ms"},
      "duration": "5s"
    })";
    std::ofstream(secret_) << "discovery node test secret\n";
  }
  ~node_group() {
    for (const auto& trace : traces) std::remove(trace.c_str());
    std::remove(scenario_.c_str());
    std::remove(secret_.c_str());
  }

  /// Starts pod `pod` listening on `port` with these --discovery flags; true once it listens
  /// and serves its management endpoint (deadline: child_process's 30 s).
  bool start(const std::string& pod, std::uint16_t port, const std::string& margin,
             const std::vector<std::string>& discovery) {
    traces.push_back(temp_path(pod + ".jsonl"));
    std::vector<std::string> args = {TROUPE_BINARY, "node", "--scenario", scenario_, "--pod", pod,
                                     "--listen", "127.0.0.1:" + std::to_string(port),
                                     "--secret-file", secret_, "--trace", traces.back(),
                                     "--management", "127.0.0.1:0",
                                     "--discovery-contact-points", "3",
                                     "--discovery-stable-margin", margin,
                                     "--discovery-interval", "200ms"};
    args.insert(args.end(), discovery.begin(), discovery.end());
    nodes.push_back(std::make_unique<child_process>(args));
    auto listening = nodes.back()->wait_for_line("listening on 127.0.0.1:");
    auto http = nodes.back()->wait_for_line("management on 127.0.0.1:");
    if (listening && http) management.push_back(port_of(*http));
    return listening && http;
  }

  /// SIGTERM to all; each must exit 0 after its graceful shutdown.
  void stop_all() {
    for (auto& node : nodes) node->signal(SIGTERM);
    for (auto& node : nodes) EXPECT_EQ(node->wait_exit(), 0);
  }

  std::vector<std::unique_ptr<child_process>> nodes;
  std::vector<std::string> traces;
  std::vector<std::uint16_t> management;

 private:
  std::string scenario_ = temp_path("scenario.json");
  std::string secret_ = temp_path("secret");
};

/// Free ports in ascending order: the first ones are the lowest addresses.
std::vector<std::uint16_t> sorted_free_ports(int count) {
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < count; ++i) ports.push_back(free_port(SOCK_STREAM));
  std::sort(ports.begin(), ports.end());
  return ports;
}

}  // namespace

TEST(discovery_node, nodes_started_together_form_one_cluster_and_a_late_node_joins_it) {
  const auto dnsmasq = find_dnsmasq();
  if (dnsmasq.empty()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  // The late pod gets the lowest port, so the lowest address: it must still join.
  const auto ports = sorted_free_ports(4);
  const std::vector<std::pair<std::string, std::uint16_t>> first = {
      {"kv-0", ports[1]}, {"kv-1", ports[2]}, {"kv-2", ports[3]}};
  const std::uint16_t dns_port = free_port(SOCK_DGRAM);
  auto dns = std::make_unique<dnsmasq_server>(dnsmasq, dns_port, service, first, temp_path("dnsmasq.pid"));
  ASSERT_TRUE(dns->ready()) << "dnsmasq did not answer on port " << dns_port;

  node_group group;
  const std::vector<std::string> flags = {"--discovery", std::string("dns:") + service,
                                          "--discovery-dns",
                                          "127.0.0.1:" + std::to_string(dns_port)};
  for (const auto& [pod, port] : first)
    ASSERT_TRUE(group.start(pod, port, "1s", flags)) << pod << " did not start";
  for (std::size_t i = 0; i < group.management.size(); ++i)
    EXPECT_TRUE(wait_for_status(group.management[i], "/ready", 200, 20s)) << "kv-" << i << " never Up";
  EXPECT_TRUE(wait_for_one_cluster(group.traces, {"kv-0", "kv-1", "kv-2"}, 20s))
      << "the three nodes do not all see one cluster of three";

  // The service now also publishes kv-3 (as Kubernetes does once its pod has an IP).
  dns.reset();
  auto all = first;
  all.push_back({"kv-3", ports[0]});
  dns = std::make_unique<dnsmasq_server>(dnsmasq, dns_port, service, all, temp_path("dnsmasq.pid"));
  ASSERT_TRUE(dns->ready()) << "dnsmasq did not come back on port " << dns_port;
  // No stable window for kv-3: its bootstrap decides at once that it forms (lowest address
  // of 4); the running members never answer `not_a_member`, and one of them lets it in.
  ASSERT_TRUE(group.start("kv-3", ports[0], "0s", flags)) << "kv-3 did not start";
  EXPECT_TRUE(wait_for_status(group.management[3], "/ready", 200, 20s)) << "kv-3 never Up";
  EXPECT_TRUE(wait_for_one_cluster(group.traces, {"kv-0", "kv-1", "kv-2", "kv-3"}, 20s))
      << "kv-3 formed a cluster of its own or was not seen by the others";
  group.stop_all();
}

namespace {

/// A pod of the API's pod list as the kubelet reports it: labelled app=kv, its remoting
/// port named; `phase` and `terminating` make it one discovery must leave out.
nlohmann::json api_pod(const std::string& name, std::uint16_t port,
                       const std::string& phase = "Running", bool terminating = false) {
  nlohmann::json pod = {
      {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "kv"}}}}},
      {"spec",
       {{"containers",
         {{{"name", "troupe"}, {"ports", {{{"name", "remoting"}, {"containerPort", port}}}}}}}}},
      {"status", {{"phase", phase}}}};
  if (phase == "Running") pod["status"]["podIP"] = "127.0.0.1";
  if (terminating) pod["metadata"]["deletionTimestamp"] = "2026-11-27T10:00:00Z";
  return pod;
}

std::string api_pod_list(const std::vector<nlohmann::json>& pods) {
  return nlohmann::json{{"kind", "PodList"}, {"apiVersion", "v1"}, {"items", pods}}.dump();
}

/// The --discovery flags of a node that asks `server` for namespace `pod_namespace`.
std::vector<std::string> api_flags(const troupe::k8s::testing::fake_api_server& server,
                                   const std::string& pod_namespace) {
  return {"--discovery", "kubernetes-api",
          "--discovery-api-server", "127.0.0.1:" + std::to_string(server.port()),
          "--discovery-service-account", server.service_account().string(),
          "--discovery-namespace", pod_namespace,
          "--discovery-label-selector", "app=kv"};
}

}  // namespace

TEST(discovery_node, nodes_discovering_through_the_kubernetes_api_form_one_cluster) {
  if (auto missing = troupe::k8s::testing::fake_api_server_tools_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  troupe::k8s::testing::fake_api_server api("node");
  ASSERT_EQ(api.error(), "");
  // A terminating pod with the lowest address of all, and a pending one: were they counted,
  // the terminating one would be chosen to form the cluster and none would form.
  const auto ports = sorted_free_ports(5);
  const std::vector<std::pair<std::string, std::uint16_t>> first = {
      {"kv-0", ports[2]}, {"kv-1", ports[3]}, {"kv-2", ports[4]}};
  std::vector<nlohmann::json> pods = {api_pod("kv-9", ports[0], "Running", true),
                                      api_pod("kv-8", ports[0], "Pending")};
  for (const auto& [pod, port] : first) pods.push_back(api_pod(pod, port));
  api.serve("default", api_pod_list(pods));

  node_group group;
  for (const auto& [pod, port] : first)
    ASSERT_TRUE(group.start(pod, port, "1s", api_flags(api, "default"))) << pod << " did not start";
  for (std::size_t i = 0; i < group.management.size(); ++i)
    EXPECT_TRUE(wait_for_status(group.management[i], "/ready", 200, 20s)) << "kv-" << i << " never Up";
  EXPECT_TRUE(wait_for_one_cluster(group.traces, {"kv-0", "kv-1", "kv-2"}, 20s))
      << "the three nodes do not all see one cluster of three";

  // The pod list now has kv-3, with the lowest address of the running pods, started late
  // without a stable window: it joins the running cluster.
  pods.push_back(api_pod("kv-3", ports[1]));
  api.serve("default", api_pod_list(pods));
  ASSERT_TRUE(group.start("kv-3", ports[1], "0s", api_flags(api, "default"))) << "kv-3 did not start";
  EXPECT_TRUE(wait_for_status(group.management[3], "/ready", 200, 20s)) << "kv-3 never Up";
  EXPECT_TRUE(wait_for_one_cluster(group.traces, {"kv-0", "kv-1", "kv-2", "kv-3"}, 20s))
      << "kv-3 formed a cluster of its own or was not seen by the others";
  group.stop_all();
}

TEST(discovery_node, a_forbidden_pod_list_is_logged_and_the_node_keeps_running) {
  if (auto missing = troupe::k8s::testing::fake_api_server_tools_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  troupe::k8s::testing::fake_api_server api("forbidden");
  ASSERT_EQ(api.error(), "");
  std::ifstream recorded(std::string(TROUPE_K8S_TESTDATA) + "/status-forbidden.json");
  std::stringstream forbidden;
  forbidden << recorded.rdbuf();
  api.serve("default", forbidden.str());
  const std::string secret = temp_path("forbidden-secret");
  std::ofstream(secret) << "discovery node test secret\n";
  // The node's log is its stderr: through a shell, onto the stdout the test reads.
  std::string command = std::string("exec '") + TROUPE_BINARY +
                        "' node --name solo --app echo --listen 127.0.0.1:0 --secret-file '" +
                        secret + "' --management 127.0.0.1:0 --discovery-interval 100ms";
  for (const auto& flag : api_flags(api, "default")) command += " '" + flag + "'";
  child_process node({"/bin/sh", "-c", command + " 2>&1"});
  // The discovery thread's log and the main thread's "management on" come in either order.
  std::optional<std::string> failed, http;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((!failed || !http) && std::chrono::steady_clock::now() < deadline) {
    const auto line = node.wait_for_line("", 1s);
    if (line && line->find("discovery failed:") != std::string::npos) failed = line;
    if (line && line->find("management on 127.0.0.1:") != std::string::npos) http = line;
  }
  ASSERT_TRUE(failed) << "no discovery error was logged";
  EXPECT_NE(failed->find("the API answered 403 Forbidden: pods is forbidden"), std::string::npos)
      << *failed;
  ASSERT_TRUE(http) << "the node did not start its management endpoint";
  EXPECT_TRUE(wait_for_status(port_of(*http), "/alive", 200, 5s));
  // Once the Role is there, the next poll finds the pods.
  api.serve("default", api_pod_list({api_pod("kv-0", free_port(SOCK_STREAM))}));
  const auto found = node.wait_for_line("discovery: 1 contact points", 20s);
  EXPECT_TRUE(found) << "discovery did not recover after the 403";
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(), 0);
  std::remove(secret.c_str());
}

TEST(discovery_node, flags_are_checked_and_the_dns_server_comes_from_resolv_conf) {
  troupe::node::discovery_settings settings;
  troupe::node::discovery_flags flags;
  flags.method = "dns:kv-headless.default.svc.cluster.local";
  const std::string resolv = temp_path("resolv.conf");
  std::ofstream(resolv) << "search default.svc.cluster.local\nnameserver 10.96.0.10\n";
  ASSERT_EQ(troupe::node::resolve_discovery_flags(flags, settings, resolv), "");
  EXPECT_EQ(settings.dns_server.to_string(), "10.96.0.10:53");
  EXPECT_EQ(settings.bootstrap.stable_margin_ns, 5'000'000'000);
  EXPECT_EQ(settings.interval_ns, 1'000'000'000);
  auto error_of = [&](troupe::node::discovery_flags changed) {
    return troupe::node::resolve_discovery_flags(changed, settings, resolv);
  };
  auto with = [&](auto change) {
    auto changed = flags;
    change(changed);
    return error_of(changed);
  };
  EXPECT_NE(with([](auto& f) { f.method = "dns:a..b"; }).find("--discovery:"), std::string::npos);
  EXPECT_NE(with([](auto& f) { f.dns_server = "nowhere"; }).find("--discovery-dns"),
            std::string::npos);
  EXPECT_NE(with([](auto& f) { f.contact_points = 0; }).find("--discovery-contact-points"),
            std::string::npos);
  EXPECT_NE(with([](auto& f) { f.stable_margin = "5"; }).find("--discovery-stable-margin"),
            std::string::npos);
  EXPECT_NE(with([](auto& f) { f.interval = "1ms"; }).find("--discovery-interval"),
            std::string::npos);
  EXPECT_NE(troupe::node::resolve_discovery_flags(flags, settings, temp_path("absent"))
                .find("no nameserver"),
            std::string::npos);
  std::remove(resolv.c_str());

  troupe::k8s::peer self;
  EXPECT_EQ(troupe::node::discovered_self("kv-0", {"0.0.0.0", 7355}, "10.244.1.5", self), "");
  EXPECT_EQ(self.address(), "10.244.1.5:7355");
  EXPECT_EQ(troupe::node::discovered_self("kv-0", {"127.0.0.1", 7400}, nullptr, self), "");
  EXPECT_EQ(self.address(), "127.0.0.1:7400");
  EXPECT_NE(troupe::node::discovered_self("kv-0", {"0.0.0.0", 7355}, nullptr, self), "");
}

TEST(discovery_node, kubernetes_api_flags_default_to_what_the_kubelet_gives_a_pod) {
  // A service-account folder as the kubelet mounts it.
  const std::filesystem::path folder = temp_path("serviceaccount");
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "token") << "eyJhbGciOiJSUzI1NiJ9.token\n";
  std::ofstream(folder / "ca.crt") << "-----BEGIN CERTIFICATE-----\n";
  std::ofstream(folder / "namespace") << "from-file\n";
  std::map<std::string, std::string> environment = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                    {"KUBERNETES_SERVICE_PORT", "443"},
                                                    {"POD_NAMESPACE", "prod"}};
  auto getenv = [&](const char* name) -> const char* {
    auto found = environment.find(name);
    return found == environment.end() ? nullptr : found->second.c_str();
  };
  troupe::node::discovery_flags flags;
  flags.method = "kubernetes-api";
  flags.service_account = folder.string();
  troupe::node::discovery_settings settings;
  auto resolve = [&](const troupe::node::discovery_flags& f) {
    settings = {};
    return troupe::node::resolve_discovery_flags(f, settings, "/nonexistent/resolv.conf", getenv);
  };
  ASSERT_EQ(resolve(flags), "");
  EXPECT_EQ(settings.method.what, troupe::k8s::discovery_method::kind::kubernetes_api);
  EXPECT_EQ(troupe::k8s::pod_list_url(settings.api),
            "https://10.96.0.1:443/api/v1/namespaces/prod/pods?labelSelector=app%3Dtroupe");
  EXPECT_EQ(settings.api.token_file, (folder / "token").string());
  EXPECT_EQ(settings.api.ca_file, (folder / "ca.crt").string());
  EXPECT_EQ(settings.api.limits.timeout_ms, troupe::node::discovery_api_timeout_ms);
  EXPECT_EQ(settings.api.limits.body_bytes_max, troupe::k8s::pod_list_bytes_max);

  // The StatefulSet's selector variable, then the namespace file without POD_NAMESPACE.
  environment["TROUPE_DISCOVERY_LABEL_SELECTOR"] = "app=kv,tier!=edge";
  environment.erase("POD_NAMESPACE");
  ASSERT_EQ(resolve(flags), "");
  EXPECT_EQ(settings.api.pod_namespace, "from-file");
  EXPECT_EQ(settings.api.label_selector, "app=kv,tier!=edge");

  // Flags win over the environment; an IPv6 server is written in brackets.
  auto given = flags;
  given.api_server = "[fd00::1]:6443";
  given.pod_namespace = "staging";
  given.label_selector = "app=other";
  ASSERT_EQ(resolve(given), "");
  EXPECT_EQ(troupe::k8s::pod_list_url(settings.api),
            "https://[fd00::1]:6443/api/v1/namespaces/staging/pods?labelSelector=app%3Dother");

  auto error_with = [&](auto change) {
    auto changed = flags;
    change(changed);
    return resolve(changed);
  };
  EXPECT_NE(error_with([](auto& f) { f.api_server = "fd00::1:6443"; }).find("--discovery-api-server"),
            std::string::npos);
  EXPECT_NE(error_with([](auto& f) { f.label_selector = "app in (kv)"; })
                .find("--discovery-label-selector"),
            std::string::npos);
  EXPECT_NE(error_with([&](auto& f) {
              f.service_account = temp_path("no-such-folder");
              f.pod_namespace = "prod";
            }).find("--discovery-service-account: the token: cannot read"),
            std::string::npos);
  std::filesystem::remove(folder / "ca.crt");
  EXPECT_NE(resolve(flags).find("cannot read " + (folder / "ca.crt").string()), std::string::npos);
  std::filesystem::remove(folder / "namespace");
  EXPECT_NE(resolve(flags).find("POD_NAMESPACE not set"), std::string::npos);
  environment.erase("KUBERNETES_SERVICE_HOST");
  EXPECT_NE(resolve(flags).find("KUBERNETES_SERVICE_HOST is not set"), std::string::npos);
  std::filesystem::remove_all(folder);
}
