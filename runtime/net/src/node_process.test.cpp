// Goal: two real `troupe-node` processes, given only a seed address and a secret file, find
// each other, exchange messages between their actors, and each exits 0 on SIGTERM; with
// --management they answer /alive and /ready over HTTP, with --trace each writes a valid
// trace of its own whose messages match the other's.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "child_process.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::child_process;
using troupe::net::testing::http_get;
using troupe::net::testing::port_of;
using troupe::net::testing::wait_for_status;

/// The events of a trace file written by one node; the header is checked and dropped.
std::vector<nlohmann::json> trace_events(const std::string& path, const std::string& node) {
  std::ifstream in(path);
  std::vector<nlohmann::json> events;
  std::string line;
  while (std::getline(in, line)) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << path << ": " << line;
    if (parsed.is_discarded()) return {};
    if (parsed.contains("format")) {
      EXPECT_EQ(parsed["node"], node);
      EXPECT_EQ(parsed["platform"], "tcp");
      continue;
    }
    EXPECT_EQ(parsed["seq"].get<std::size_t>(), events.size()) << path;
    events.push_back(std::move(parsed));
  }
  return events;
}

std::string write_secret_file() {
  const std::string path = ::testing::TempDir() + "troupe-node-test-secret-" + std::to_string(getpid());
  std::ofstream(path) << "a shared cluster secret\n";
  return path;
}

TEST(node_process, two_nodes_exchange_messages_and_exit_0_on_sigterm) {
  const std::string secret = write_secret_file();
  child_process a({TROUPE_NODE_BINARY, "--name", "kv-0", "--listen", "127.0.0.1:0",
                   "--secret-file", secret, "--app", "ping", "--grace", "5s"});
  auto listening = a.wait_for_line("listening on 127.0.0.1:");
  ASSERT_TRUE(listening);
  const std::string a_address = listening->substr(listening->find("127.0.0.1:"));
  child_process b({TROUPE_NODE_BINARY, "--name", "kv-1", "--listen", "127.0.0.1:0", "--seeds",
                   a_address, "--secret-file", secret, "--app", "ping"});
  // Each process's pinger asks the other's echo actor; the answers prove both directions.
  EXPECT_TRUE(b.wait_for_line("reply from kv-0: ping"));
  EXPECT_TRUE(a.wait_for_line("reply from kv-1: ping"));
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0);
  EXPECT_EQ(b.wait_exit(), 0);
  std::remove(secret.c_str());
}

TEST(node_process, management_endpoint_and_traces_of_two_nodes) {
  const std::string secret = write_secret_file();
  const std::string trace_a = ::testing::TempDir() + "node-a-" + std::to_string(getpid()) + ".jsonl";
  const std::string trace_b = ::testing::TempDir() + "node-b-" + std::to_string(getpid()) + ".jsonl";
  const std::string epoch = std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  child_process a({TROUPE_NODE_BINARY, "--name", "kv-0", "--secret-file", secret, "--app", "ping",
                   "--trace", trace_a, "--epoch-ns", epoch, "--management", "127.0.0.1:0"});
  auto listening = a.wait_for_line("listening on 127.0.0.1:");
  ASSERT_TRUE(listening);
  auto management = a.wait_for_line("management on 127.0.0.1:");
  ASSERT_TRUE(management);
  const std::uint16_t a_http = port_of(*management);
  child_process b({TROUPE_NODE_BINARY, "--name", "kv-1", "--peers",
                   "kv-1=127.0.0.1:1,kv-0=127.0.0.1:" + std::to_string(port_of(*listening)),
                   "--secret-file", secret, "--app", "ping", "--trace", trace_b, "--epoch-ns",
                   epoch, "--node-number", "7"});
  std::string body;
  EXPECT_EQ(http_get(a_http, "/alive", &body), 200);
  EXPECT_EQ(body, "alive\n");
  EXPECT_EQ(http_get(a_http, "/ready", &body), 200);
  EXPECT_EQ(body, "started\n");
  EXPECT_EQ(http_get(a_http, "/nothing"), 404);
  EXPECT_TRUE(b.wait_for_line("reply from kv-0: ping"));
  EXPECT_TRUE(a.wait_for_line("reply from kv-1: ping"));
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0);
  EXPECT_EQ(b.wait_exit(), 0);
  EXPECT_EQ(http_get(a_http, "/alive"), 0) << "the endpoint closes with the node";

  // Every message kv-1 delivered from kv-0 was sent by kv-0 with the same id, earlier.
  std::map<std::uint64_t, std::int64_t> sent_by_a;
  for (const auto& e : trace_events(trace_a, "kv-0"))
    if (e["ev"] == "send") sent_by_a.emplace(e["id"].get<std::uint64_t>(), e["t"].get<std::int64_t>());
  std::size_t delivered_from_a = 0;
  std::set<std::uint64_t> b_ids;
  for (const auto& e : trace_events(trace_b, "kv-1")) {
    if (e["ev"] == "send") {
      const auto id = e["id"].get<std::uint64_t>();
      EXPECT_EQ(id >> 40, (7u << 8) | 1u) << "kv-1's ids carry its node number and incarnation";
      EXPECT_EQ(sent_by_a.count(id), 0u) << "id " << id << " was used by both nodes";
    }
    if (e["ev"] != "deliver" || e["from_pod"] != "kv-0") continue;
    auto sent = sent_by_a.find(e["id"].get<std::uint64_t>());
    ASSERT_NE(sent, sent_by_a.end()) << e.dump();
    EXPECT_LE(sent->second, e["t"].get<std::int64_t>()) << "delivered before it was sent: " << e.dump();
    ++delivered_from_a;
  }
  EXPECT_GT(delivered_from_a, 0u);
  std::remove(secret.c_str());
  std::remove(trace_a.c_str());
  std::remove(trace_b.c_str());
}

TEST(node_process, bad_flags_exit_2) {
  child_process bad({TROUPE_NODE_BINARY, "--name", "kv-0", "--secret-file", "/nonexistent/secret"});
  EXPECT_EQ(bad.wait_exit(), 2);
  child_process no_name({TROUPE_NODE_BINARY, "--secret-file", "x"});
  EXPECT_EQ(no_name.wait_exit(), 2);
  child_process bad_peer({TROUPE_NODE_BINARY, "--name", "kv-0", "--secret-file", "x", "--peers", "kv-1"});
  EXPECT_EQ(bad_peer.wait_exit(), 2);
  child_process bad_management(
      {TROUPE_NODE_BINARY, "--name", "kv-0", "--secret-file", "x", "--management", "nowhere"});
  EXPECT_EQ(bad_management.wait_exit(), 2);
}

}  // namespace
