// Goal: `troupe node --discovery dns:...` finds its peers through a headless service's SRV
// records and forms one cluster: three nodes on 127.0.0.1 started together, each discovering
// the others through a real dnsmasq (Kubernetes-shaped records on a loopback port), become
// Up members of ONE cluster (each sees all three Up); a node started later, although it has
// the lowest address and no stable window, joins that cluster instead of forming a second.
// Also: the flags are checked, and a wildcard listen host takes the downward API's POD_IP.
// Waits poll with deadlines; dnsmasq (Debian: dnsmasq-base) absent: the process test skips.

#include "troupe/node/discovery_loop.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::child_process;
using troupe::net::testing::port_of;
using troupe::net::testing::wait_for_status;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "discovery-node-" + std::to_string(getpid()) + "-" + name;
}

/// A port nothing listens on now (the kernel's pick for a socket closed at once).
std::uint16_t free_port(int type) {
  const int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t length = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  close(fd);
  return ntohs(a.sin_port);
}

std::string find_dnsmasq() {
  for (const char* path : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"})
    if (access(path, X_OK) == 0) return path;
  return {};
}

constexpr const char* service = "kv-headless.default.svc.cluster.local";

/// dnsmasq on 127.0.0.1:port serving what CoreDNS serves for the headless service of the
/// pods given (name -> remoting port), all at 127.0.0.1: SRV records and A records.
class dnsmasq_server {
 public:
  dnsmasq_server(const std::string& binary, std::uint16_t port,
                 const std::vector<std::pair<std::string, std::uint16_t>>& pods) {
    const std::string d = service;
    std::vector<std::string> args = {binary,
                                     "--keep-in-foreground",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--conf-file=/dev/null",
                                     "--listen-address=127.0.0.1",
                                     "--bind-interfaces",
                                     "--port=" + std::to_string(port),
                                     "--pid-file=" + temp_path("dnsmasq.pid"),
                                     "--local=/cluster.local/"};
    for (const auto& [name, remoting] : pods) {
      args.push_back("--srv-host=_remoting._tcp." + d + "," + name + "." + d + "," +
                     std::to_string(remoting) + ",0,33");
      args.push_back("--host-record=" + name + "." + d + ",127.0.0.1");
    }
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Ready once it answers with every pod (bounded: 5 s).
    auto method = troupe::k8s::parse_discovery_method(std::string("dns:") + service).method;
    for (int attempt = 0; attempt < 50 && !ready_; ++attempt) {
      ready_ = troupe::k8s::poll_dns(method, "127.0.0.1", port, 100).peers.size() == pods.size();
      if (!ready_) std::this_thread::sleep_for(100ms);
    }
  }
  ~dnsmasq_server() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool ready() const { return ready_; }

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
};

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

}  // namespace

TEST(discovery_node, nodes_started_together_form_one_cluster_and_a_late_node_joins_it) {
  const auto dnsmasq = find_dnsmasq();
  if (dnsmasq.empty()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  const std::string scenario = temp_path("scenario.json");
  std::ofstream(scenario) << R"({
    "version": 1, "name": "kv-discovery", "app": {"name": "kv"},
    "deployments": [{"name": "kv", "replicas": 3}],
    "cluster": {"seed_timeout": "300ms"},
    "duration": "5s"
  })";
  const std::string secret = temp_path("secret");
  std::ofstream(secret) << "discovery node test secret\n";
  // The late pod gets the lowest port, so the lowest address: it must still join.
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 4; ++i) ports.push_back(free_port(SOCK_STREAM));
  std::sort(ports.begin(), ports.end());
  const std::vector<std::pair<std::string, std::uint16_t>> first = {
      {"kv-0", ports[1]}, {"kv-1", ports[2]}, {"kv-2", ports[3]}};
  const std::uint16_t dns_port = free_port(SOCK_DGRAM);
  auto dns = std::make_unique<dnsmasq_server>(dnsmasq, dns_port, first);
  ASSERT_TRUE(dns->ready()) << "dnsmasq did not answer on port " << dns_port;

  std::vector<std::unique_ptr<child_process>> nodes;
  std::vector<std::string> traces;
  std::vector<std::uint16_t> management;
  auto start = [&](const std::string& pod, std::uint16_t port, const std::string& margin) {
    traces.push_back(temp_path(pod + ".jsonl"));
    nodes.push_back(std::make_unique<child_process>(
        std::vector<std::string>{TROUPE_BINARY,
                                 "node",
                                 "--scenario",
                                 scenario,
                                 "--pod",
                                 pod,
                                 "--listen",
                                 "127.0.0.1:" + std::to_string(port),
                                 "--secret-file",
                                 secret,
                                 "--trace",
                                 traces.back(),
                                 "--management",
                                 "127.0.0.1:0",
                                 "--discovery",
                                 std::string("dns:") + service,
                                 "--discovery-dns",
                                 "127.0.0.1:" + std::to_string(dns_port),
                                 "--discovery-contact-points",
                                 "3",
                                 "--discovery-stable-margin",
                                 margin,
                                 "--discovery-interval",
                                 "200ms"}));
    auto listening = nodes.back()->wait_for_line("listening on 127.0.0.1:");
    auto http = nodes.back()->wait_for_line("management on 127.0.0.1:");
    if (listening && http) management.push_back(port_of(*http));
    return listening && http;
  };
  for (const auto& [pod, port] : first)
    ASSERT_TRUE(start(pod, port, "1s")) << pod << " did not start";
  for (std::size_t i = 0; i < management.size(); ++i)
    EXPECT_TRUE(wait_for_status(management[i], "/ready", 200, 20s)) << "kv-" << i << " never Up";
  EXPECT_TRUE(wait_for_one_cluster(traces, {"kv-0", "kv-1", "kv-2"}, 20s))
      << "the three nodes do not all see one cluster of three";

  // The service now also publishes kv-3 (as Kubernetes does once its pod has an IP).
  dns.reset();
  auto all = first;
  all.push_back({"kv-3", ports[0]});
  dns = std::make_unique<dnsmasq_server>(dnsmasq, dns_port, all);
  ASSERT_TRUE(dns->ready()) << "dnsmasq did not come back on port " << dns_port;
  // No stable window for kv-3: its bootstrap decides at once that it forms (lowest address
  // of 4); the running members never answer `not_a_member`, and one of them lets it in.
  ASSERT_TRUE(start("kv-3", ports[0], "0s")) << "kv-3 did not start";
  EXPECT_TRUE(wait_for_status(management[3], "/ready", 200, 20s)) << "kv-3 never Up";
  EXPECT_TRUE(wait_for_one_cluster(traces, {"kv-0", "kv-1", "kv-2", "kv-3"}, 20s))
      << "kv-3 formed a cluster of its own or was not seen by the others";

  for (auto& node : nodes) node->signal(SIGTERM);
  for (auto& node : nodes) EXPECT_EQ(node->wait_exit(), 0);
  for (const auto& trace : traces) std::remove(trace.c_str());
  std::remove(scenario.c_str());
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
  EXPECT_NE(with([](auto& f) { f.method = "kubernetes-api"; }).find("not supported"),
            std::string::npos);
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
