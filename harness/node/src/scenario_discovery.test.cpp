// Goal: the pods of a scenario with servers and clients find each other by `--discovery`
// alone, as `troupe k8s` runs them (one headless service publishes every pod of the run):
// three kv servers and a client pod, the client with the lowest address of all, discover
// each other through a real dnsmasq serving Kubernetes-shaped records on loopback; the
// servers form ONE cluster of the three (the client, which runs no membership, is dialled
// but is no contact point: were it one, the bootstrap would wait for it to form the cluster
// and nobody would), and the client's operations are served. Also: which pod names are
// contact points. Waits poll with deadlines; dnsmasq (Debian: dnsmasq-base) absent: skipped.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "child_process.hpp"
#include "dnsmasq_server.hpp"
#include "troupe/node/scenario_node.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::child_process;
using troupe::net::testing::port_of;
using troupe::net::testing::wait_for_status;
using troupe::node::testing::dnsmasq_server;
using troupe::node::testing::free_port;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "scenario-discovery-" + std::to_string(getpid()) + "-" + name;
}

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Three kv servers with membership and one client pod; the workload runs from 3 s to 6 s
/// after the epoch (the cluster forms within about 2 s: a 1 s stable window).
const char* scenario_text = R"({
  "version": 1, "name": "kv-discovery-clients", "app": {"name": "kv"},
  "deployments": [{"name": "kv", "replicas": 3}, {"name": "client", "replicas": 1, "role": "client"}],
  "workload": {"clients": 2, "rate_per_s": 20, "keys": 2, "start": "3s", "stop": "6s", "timeout": "1s"},
  "cluster": {"seed_timeout": "300ms"},
  "duration": "8s"
})";
constexpr std::int64_t workload_stop_ns = 6'000'000'000;
constexpr std::int64_t workload_timeout_ns = 1'000'000'000;
constexpr const char* service = "troupe-kv-discovery-clients.default.svc.cluster.local";

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

/// Operations of a trace that completed with the given phase ("ok", "fail", "info").
std::size_t operations(const std::string& trace, const std::string& phase) {
  std::ifstream in(trace);
  std::size_t count = 0;
  for (std::string line; std::getline(in, line);) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    count +=
        !event.is_discarded() && event.value("ev", "") == "op" && event.value("phase", "") == phase;
  }
  return count;
}

troupe::scenario::scenario parsed() {
  auto loaded = troupe::scenario::parse_scenario(nlohmann::json::parse(scenario_text));
  EXPECT_TRUE(std::holds_alternative<troupe::scenario::scenario>(loaded));
  return std::get<troupe::scenario::scenario>(loaded);
}

}  // namespace

TEST(scenario_discovery, server_pods_are_contact_points_and_client_pods_are_not) {
  const auto s = parsed();
  EXPECT_TRUE(troupe::node::is_cluster_contact(s, "kv-0"));
  EXPECT_TRUE(troupe::node::is_cluster_contact(s, "kv-4")) << "a scaled-up server is a contact";
  EXPECT_FALSE(troupe::node::is_cluster_contact(s, "client-0"));
  EXPECT_FALSE(troupe::node::is_cluster_contact(s, "10-244-1-5")) << "a record without hostname";
  EXPECT_FALSE(troupe::node::is_cluster_contact(s, "redis-0"));
}

TEST(scenario_discovery, servers_and_a_client_found_by_dns_form_one_cluster_and_serve_it) {
  const auto dnsmasq = troupe::node::testing::find_dnsmasq();
  if (dnsmasq.empty()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  const std::string scenario = temp_path("scenario.json");
  std::ofstream(scenario) << scenario_text;
  const std::string secret = temp_path("secret");
  std::ofstream(secret) << "scenario discovery test secret\n";
  // The client pod gets the lowest port, so the lowest address of the service.
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 4; ++i) ports.push_back(free_port(SOCK_STREAM));
  std::sort(ports.begin(), ports.end());
  const std::vector<std::pair<std::string, std::uint16_t>> pods = {
      {"client-0", ports[0]}, {"kv-0", ports[1]}, {"kv-1", ports[2]}, {"kv-2", ports[3]}};
  const std::uint16_t dns_port = free_port(SOCK_DGRAM);
  dnsmasq_server dns(dnsmasq, dns_port, service, pods, temp_path("dnsmasq.pid"));
  ASSERT_TRUE(dns.ready()) << "dnsmasq did not answer on port " << dns_port;

  const std::int64_t epoch = unix_ns();
  std::vector<std::unique_ptr<child_process>> nodes;
  std::vector<std::string> traces;
  std::vector<std::uint16_t> management;
  for (const auto& [pod, port] : pods) {
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
                                 "--epoch-ns",
                                 std::to_string(epoch),
                                 "--grace",
                                 "5s",
                                 "--discovery",
                                 std::string("dns:") + service,
                                 "--discovery-dns",
                                 "127.0.0.1:" + std::to_string(dns_port),
                                 "--discovery-contact-points",
                                 "3",
                                 "--discovery-stable-margin",
                                 "1s",
                                 "--discovery-interval",
                                 "200ms"}));
    auto listening = nodes.back()->wait_for_line("listening on 127.0.0.1:");
    auto http = nodes.back()->wait_for_line("management on 127.0.0.1:");
    ASSERT_TRUE(listening && http) << pod << " did not start";
    management.push_back(port_of(*http));
  }
  for (std::size_t i = 1; i < management.size(); ++i)
    EXPECT_TRUE(wait_for_status(management[i], "/ready", 200, 20s))
        << pods[i].first << " never Up: the client pod counted as a contact point?";
  const std::set<std::string> servers = {"kv-0", "kv-1", "kv-2"};
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  auto one_cluster = [&] {
    return std::all_of(traces.begin() + 1, traces.end(),
                       [&](const std::string& t) { return up_members(t) == servers; });
  };
  while (!one_cluster() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(one_cluster()) << "the servers do not all see one cluster of the three";

  // Every operation of the workload has ended (stop + timeout) before the pods stop.
  const std::int64_t all_done = epoch + workload_stop_ns + workload_timeout_ns + 300'000'000;
  while (unix_ns() < all_done) std::this_thread::sleep_for(20ms);
  for (auto& node : nodes) node->signal(SIGTERM);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    EXPECT_EQ(nodes[i]->wait_exit(), 0) << pods[i].first;
  EXPECT_TRUE(up_members(traces[0]).empty()) << "the client pod runs no membership";
  const std::size_t ok = operations(traces[0], "ok");
  EXPECT_GE(ok, 20u) << "the client found too few servers by discovery (" << ok << " ops ok, "
                     << operations(traces[0], "info") << " info)";
  for (const auto& trace : traces) std::remove(trace.c_str());
  std::remove(scenario.c_str());
  std::remove(secret.c_str());
}
