// Goal: `troupe node --scenario` makes real processes the pods of a scenario: four nodes on
// 127.0.0.1 (three kv servers and a client pod) run the kv scenario over TCP, each writes its
// own trace, and the traces merged by time form a complete operation history that the kv
// checkers judge linearizable with no lost acknowledged write, in which every delivered
// message was sent before. With the scenario's `cluster` object a server pod runs
// membership and /ready answers 200 once it is an Up member. Also: pods are found by name,
// scenario times move to the platform clock, and bad input exits 2.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "child_process.hpp"
#include "troupe/checkers/properties.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/node/scenario_node.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::child_process;
using troupe::net::testing::http_get;
using troupe::net::testing::port_of;
using troupe::net::testing::wait_for_status;

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A small kv scenario: 3 servers, one client pod with 2 clients issuing from 1.5 s to 4 s
/// after the epoch; a request unanswered for 1 s is `info`.
const char* small_kv_scenario = R"({
  "version": 1, "name": "kv-tcp-small", "app": {"name": "kv"},
  "deployments": [{"name": "kv", "replicas": 3}, {"name": "client", "replicas": 1, "role": "client"}],
  "workload": {"clients": 2, "rate_per_s": 40, "keys": 2, "start": "1500ms", "stop": "4s", "timeout": "1s"},
  "properties": ["linearizable", "no_lost_acknowledged_writes"],
  "duration": "5s"
})";
constexpr std::int64_t workload_stop_ns = 4'000'000'000;
constexpr std::int64_t workload_timeout_ns = 1'000'000'000;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "scenario-node-" + std::to_string(getpid()) + "-" + name;
}

/// The events of node trace files sorted by time (stable: file order at a tie), renumbered,
/// under one header: what `troupe pods` does, in the small.
std::vector<std::string> merge(const std::vector<std::string>& paths, std::size_t& invokes,
                               std::size_t& completions) {
  std::vector<nlohmann::ordered_json> events;
  for (const auto& path : paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto event = nlohmann::ordered_json::parse(line);
      if (event.contains("format")) continue;  // the node's own header
      if (event["ev"] == "op") (event["phase"] == "invoke" ? invokes : completions) += 1;
      events.push_back(std::move(event));
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return a["t"].template get<std::int64_t>() < b["t"].template get<std::int64_t>();
  });
  std::vector<std::string> lines = {
      R"({"format":"troupe-trace","version":1,"seed":0,"scenario":"kv-tcp-small","build":"test","platform":"tcp","pods":["kv-0","kv-1","kv-2","client-0"]})"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i]["seq"] = i;
    lines.push_back(events[i].dump());
  }
  return lines;
}

TEST(scenario_node, four_processes_run_the_kv_scenario_and_their_merged_traces_pass_the_checkers) {
  const std::string scenario = temp_path("kv.json");
  std::ofstream(scenario) << small_kv_scenario;
  const std::string secret = temp_path("secret");
  std::ofstream(secret) << "scenario node test secret\n";
  const std::int64_t epoch = unix_ns();
  const std::vector<std::string> pods = {"kv-0", "kv-1", "kv-2", "client-0"};
  std::vector<std::unique_ptr<child_process>> nodes;
  std::vector<std::string> traces;
  std::string peers;
  std::vector<std::uint16_t> management;
  for (const auto& pod : pods) {
    traces.push_back(temp_path(pod + ".trace.jsonl"));
    // Each node dials the ones started before it: every pair gets one connection.
    nodes.push_back(std::make_unique<child_process>(std::vector<std::string>{
        TROUPE_BINARY, "node", "--scenario", scenario, "--pod", pod, "--listen", "127.0.0.1:0",
        "--peers", peers, "--secret-file", secret, "--trace", traces.back(), "--management",
        "127.0.0.1:0", "--epoch-ns", std::to_string(epoch), "--grace", "5s"}));
    auto listening = nodes.back()->wait_for_line("listening on 127.0.0.1:");
    ASSERT_TRUE(listening) << pod << " did not start";
    auto http = nodes.back()->wait_for_line("management on 127.0.0.1:");
    ASSERT_TRUE(http);
    management.push_back(port_of(*http));
    peers += (peers.empty() ? "" : ",") + pod + "=127.0.0.1:" + std::to_string(port_of(*listening));
  }
  for (auto port : management) {
    EXPECT_TRUE(wait_for_status(port, "/ready", 200, 10s));
    EXPECT_EQ(http_get(port, "/alive"), 200);
  }
  // No operation starts after the workload's stop, and each ends within its timeout: after
  // that every operation of the run is in the traces.
  const std::int64_t all_done = epoch + workload_stop_ns + workload_timeout_ns + 300'000'000;
  while (unix_ns() < all_done) std::this_thread::sleep_for(20ms);
  for (auto& node : nodes) node->signal(SIGTERM);
  for (std::size_t i = 0; i < nodes.size(); ++i) EXPECT_EQ(nodes[i]->wait_exit(), 0) << pods[i];

  std::size_t invokes = 0;
  std::size_t completions = 0;
  const auto lines = merge(traces, invokes, completions);
  auto trace = troupe::checkers::read_trace_lines(lines);
  ASSERT_TRUE(trace.ok()) << trace.failure().to_string();
  EXPECT_EQ(invokes, completions) << "every operation completed (ok, fail or info)";
  std::size_t ok = 0;
  for (const auto& op : trace.value().operations) ok += op.result == troupe::checkers::outcome::ok;
  EXPECT_GE(ok, 40u) << "the TCP pods served too few operations (" << invokes << " invoked)";
  for (const char* property : {"linearizable", "no_lost_acknowledged_writes", "deliver_after_send"}) {
    auto verdict = troupe::checkers::check_property(trace.value(), property);
    ASSERT_TRUE(verdict.ok()) << property;
    EXPECT_TRUE(verdict.value().ok) << property << ": " << verdict.value().message;
  }
  std::printf("4 pods over TCP: %zu operations invoked, %zu ok, %zu events merged\n", invokes, ok,
              lines.size() - 1);
  for (const auto& path : traces) std::remove(path.c_str());
  std::remove(scenario.c_str());
  std::remove(secret.c_str());
}

TEST(scenario_node, with_a_cluster_object_a_server_pod_is_ready_once_it_is_an_up_member) {
  const std::string scenario = temp_path("cluster.json");
  std::ofstream(scenario) << R"({
    "version": 1, "name": "kv-tcp-cluster", "app": {"name": "kv"},
    "deployments": [{"name": "kv", "replicas": 3}],
    "cluster": {"seed_timeout": "300ms"},
    "duration": "5s"
  })";
  const std::string secret = temp_path("cluster-secret");
  std::ofstream(secret) << "scenario node test secret\n";
  std::vector<std::unique_ptr<child_process>> nodes;
  std::vector<std::string> traces;
  std::vector<std::uint16_t> management;
  std::string peers;
  for (const std::string pod : {"kv-0", "kv-1", "kv-2"}) {
    traces.push_back(temp_path(pod + ".cluster.jsonl"));
    nodes.push_back(std::make_unique<child_process>(std::vector<std::string>{
        TROUPE_BINARY, "node", "--scenario", scenario, "--pod", pod, "--peers", peers,
        "--secret-file", secret, "--trace", traces.back(), "--management", "127.0.0.1:0"}));
    auto listening = nodes.back()->wait_for_line("listening on 127.0.0.1:");
    ASSERT_TRUE(listening) << pod << " did not start";
    auto http = nodes.back()->wait_for_line("management on 127.0.0.1:");
    ASSERT_TRUE(http);
    management.push_back(port_of(*http));
    peers += (peers.empty() ? "" : ",") + pod + "=127.0.0.1:" + std::to_string(port_of(*listening));
  }
  for (std::size_t i = 0; i < management.size(); ++i) {
    EXPECT_TRUE(wait_for_status(management[i], "/ready", 200, 15s)) << "kv-" << i << " never became Up";
    std::string body;
    EXPECT_EQ(http_get(management[i], "/ready", &body), 200);
    EXPECT_EQ(body, "up\n");
  }
  for (auto& node : nodes) node->signal(SIGTERM);
  for (auto& node : nodes) EXPECT_EQ(node->wait_exit(), 0);
  // Each pod's own trace shows itself going up.
  for (std::size_t i = 0; i < traces.size(); ++i) {
    std::ifstream in(traces[i]);
    bool saw_self_up = false;
    for (std::string line; std::getline(in, line);) {
      const auto event = nlohmann::json::parse(line);
      saw_self_up |= event.value("ev", "") == "member" && event.value("status", "") == "up" &&
                     event.value("member", "") == "kv-" + std::to_string(i);
    }
    EXPECT_TRUE(saw_self_up) << traces[i];
    std::remove(traces[i].c_str());
  }
  std::remove(scenario.c_str());
  std::remove(secret.c_str());
}

TEST(scenario_node, pods_are_found_by_deployment_and_ordinal) {
  auto loaded = troupe::scenario::parse_scenario(nlohmann::json::parse(small_kv_scenario));
  ASSERT_TRUE(std::holds_alternative<troupe::scenario::scenario>(loaded));
  const auto& s = std::get<troupe::scenario::scenario>(loaded);
  troupe::node::scenario_pod pod;
  ASSERT_EQ(troupe::node::find_pod(s, "kv-2", pod), "");
  EXPECT_EQ(pod.deployment, "kv");
  EXPECT_EQ(pod.ordinal, 2);
  EXPECT_FALSE(pod.client);
  EXPECT_EQ(pod.number, 2u);
  ASSERT_EQ(troupe::node::find_pod(s, "client-0", pod), "");
  EXPECT_TRUE(pod.client);
  EXPECT_EQ(pod.number, 1024u);
  ASSERT_EQ(troupe::node::find_pod(s, "kv-7", pod), "") << "a scaled pod is a pod";
  for (const char* bad : {"kv", "kv-", "kv-x", "redis-0", "kv--1", "kv-1a"})
    EXPECT_NE(troupe::node::find_pod(s, bad, pod).find("is not a pod of scenario 'kv-tcp-small'"),
              std::string::npos)
        << bad;
}

TEST(scenario_node, workload_times_move_from_the_epoch_to_the_platform_clock) {
  troupe::apps::workload load;
  load.start_ns = 2'000'000'000;
  load.stop_ns = 5'000'000'000;
  // 1.5 s after the epoch, the platform clock reads 100 s.
  auto moved = troupe::node::workload_on_platform(load, 100'000'000'000, 1'500'000'000);
  EXPECT_EQ(moved.start_ns, 100'500'000'000);
  EXPECT_EQ(moved.stop_ns, 103'500'000'000);
  load.stop_ns = 0;
  EXPECT_EQ(troupe::node::workload_on_platform(load, 100'000'000'000, 0).stop_ns, 0) << "never stops";
  load.stop_ns = 1'000'000'000;
  EXPECT_GT(troupe::node::workload_on_platform(load, 10, 5'000'000'000).stop_ns, 0)
      << "a stop in the past stays a stop";
}

TEST(scenario_node, an_incarnation_file_counts_the_starts_of_a_pod) {
  const std::string file = temp_path("incarnation");
  std::remove(file.c_str());
  std::uint64_t incarnation = 0;
  for (std::uint64_t expected = 1; expected <= 3; ++expected) {
    ASSERT_EQ(troupe::node::next_incarnation(file, incarnation), "");
    EXPECT_EQ(incarnation, expected) << "a missing file is 0 starts; each start adds one";
  }
  std::ofstream(file) << "12\n";
  ASSERT_EQ(troupe::node::next_incarnation(file, incarnation), "");
  EXPECT_EQ(incarnation, 13u);
  std::ofstream(file) << "twelve\n";
  EXPECT_NE(troupe::node::next_incarnation(file, incarnation).find("does not hold a number"),
            std::string::npos);
  EXPECT_NE(troupe::node::next_incarnation(temp_path("no-such-dir") + "/incarnation", incarnation)
                .find("cannot write"),
            std::string::npos);
  std::remove(file.c_str());
  EXPECT_EQ(troupe::node::trace_path_of_incarnation("/var/lib/troupe/trace-{incarnation}.jsonl", 3),
            "/var/lib/troupe/trace-3.jsonl");
  EXPECT_EQ(troupe::node::trace_path_of_incarnation("t.jsonl", 3), "t.jsonl");
}

TEST(scenario_node, a_restarted_pod_with_an_incarnation_file_writes_a_new_trace_of_the_next_incarnation) {
  const std::string scenario = temp_path("restart.json");
  std::ofstream(scenario) << small_kv_scenario;
  const std::string secret = temp_path("restart-secret");
  std::ofstream(secret) << "scenario node test secret\n";
  const std::string counter = temp_path("restart-incarnation");
  std::remove(counter.c_str());
  const std::string pattern = temp_path("restart-trace-{incarnation}.jsonl");
  for (std::uint64_t start = 1; start <= 2; ++start) {
    child_process node({TROUPE_BINARY, "node", "--scenario", scenario, "--pod", "kv-1",
                        "--secret-file", secret, "--incarnation-file", counter, "--trace", pattern,
                        "--epoch-ns", std::to_string(unix_ns())});
    ASSERT_TRUE(node.wait_for_line("listening on 127.0.0.1:")) << "start " << start;
    node.signal(SIGTERM);
    EXPECT_EQ(node.wait_exit(), 0);
  }
  for (std::uint64_t start = 1; start <= 2; ++start) {
    const std::string path = troupe::node::trace_path_of_incarnation(pattern, start);
    std::ifstream in(path);
    std::string first;
    ASSERT_TRUE(std::getline(in, first)) << path << " was not written";
    EXPECT_EQ(nlohmann::json::parse(first).value("incarnation", std::uint64_t{0}), start) << path;
    std::remove(path.c_str());
  }
  std::remove(counter.c_str());
  std::remove(scenario.c_str());
  std::remove(secret.c_str());
}

TEST(scenario_node, bad_input_exits_2) {
  const std::string secret = temp_path("bad-secret");
  std::ofstream(secret) << "s\n";
  const std::string scenario = temp_path("bad.json");
  std::ofstream(scenario) << small_kv_scenario;
  const std::string broken = temp_path("broken.json");
  std::ofstream(broken) << R"({"version": 1, "name": "x"})";
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--scenario", scenario, "--pod", "redis-0"},
           {"--scenario", broken, "--pod", "kv-0"},
           {"--scenario", temp_path("missing.json"), "--pod", "kv-0"},
           {"--scenario", scenario},
           {"--scenario", scenario, "--pod", "kv-0", "--app", "ping"},
           {"--scenario", scenario, "--pod", "kv-0", "--incarnation", "2", "--incarnation-file", broken},
           {"--scenario", scenario, "--pod", "kv-0", "--incarnation-file", broken},
       }) {
    args.insert(args.begin(), {TROUPE_BINARY, "node", "--secret-file", secret});
    child_process node(args);
    EXPECT_EQ(node.wait_exit(), 2) << args[4] << " " << args.back();
  }
  std::remove(secret.c_str());
  std::remove(scenario.c_str());
  std::remove(broken.c_str());
}

}  // namespace
