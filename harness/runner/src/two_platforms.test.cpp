// Goal: one application, unchanged, on both platforms: the kv store's own boot functions
// run its servers and clients over real TCP sockets (loopback, four actor systems) and in
// the simulator, and the same checkers find the same properties holding on both histories.

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "troupe/apps/application.hpp"
#include "troupe/checkers/properties.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/harness/runner.hpp"
#include "troupe/net/tcp_transport.hpp"
#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;

/// Records the application's `op` events of every node as trace lines, from any thread.
class history_sink final : public troupe::trace_sink {
 public:
  history_sink(std::mutex& mutex, std::vector<std::string>& lines, std::string pod,
               troupe::platform& platform, std::int64_t origin)
      : mutex_(mutex), lines_(lines), pod_(std::move(pod)), platform_(platform), origin_(origin) {}
  void on_record(std::string_view event, std::string_view members) override {
    std::lock_guard lock(mutex_);
    const std::int64_t t = platform_.now_ns() - origin_;
    lines_.push_back("{\"seq\":" + std::to_string(lines_.size() - 1) + ",\"t\":" + std::to_string(t) +
                     ",\"ev\":\"" + std::string(event) + "\",\"pod\":\"" + pod_ + "\"," +
                     std::string(members) + "}");
  }
  void on_spawn(std::string_view, std::string_view) override {}
  void on_stop(std::string_view, std::string_view) override {}
  void on_crash(std::string_view, std::string_view) override {}
  void on_restart(std::string_view, std::string_view) override {}
  void on_send(troupe::envelope&, std::string_view, std::string_view, std::string_view) override {}
  void on_deliver(const troupe::envelope&, std::string_view, std::string_view, std::string_view) override {}
  void on_drop(const troupe::envelope&, std::string_view, std::string_view, std::string_view,
               std::string_view, troupe::drop_reason) override {}
  void on_timer(std::string_view, std::string_view) override {}
  void on_log(std::string_view, std::string_view, std::string_view) override {}

 private:
  std::mutex& mutex_;
  std::vector<std::string>& lines_;
  std::string pod_;
  troupe::platform& platform_;
  std::int64_t origin_;
};

struct tcp_node {
  std::unique_ptr<history_sink> sink;
  std::unique_ptr<troupe::net::tcp_transport> transport;
  std::unique_ptr<troupe::actor_system> system;
};

std::size_t completed(std::mutex& mutex, const std::vector<std::string>& lines) {
  std::lock_guard lock(mutex);
  std::size_t n = 0;
  for (const auto& l : lines) n += l.find("\"phase\":\"ok\"") != std::string::npos;
  return n;
}

TEST(two_platforms, kv_is_linearizable_over_tcp_and_in_simulation) {
  const std::vector<std::string> servers = {"kv-0", "kv-1", "kv-2"};
  std::string error;
  auto app = troupe::apps::make_application("kv", {{"bug", "none"}}, error);
  ASSERT_TRUE(app) << error;
  troupe::apps::workload load;
  load.clients = 2;
  load.rate_per_s = 50;
  load.keys = 2;
  load.timeout_ns = 2'000'000'000;

  troupe::thread_pool_platform platform(2);
  std::mutex mutex;
  std::vector<std::string> lines = {
      R"({"format":"troupe-trace","version":1,"seed":0,"scenario":"two-platforms","build":"test","platform":"tcp","pods":["kv-0","kv-1","kv-2","client-0"]})"};
  const std::int64_t origin = platform.now_ns();
  std::vector<troupe::net::address> seeds;
  std::vector<tcp_node> nodes;
  auto names = servers;
  names.push_back("client-0");
  for (std::size_t i = 0; i < names.size(); ++i) {
    tcp_node node;
    node.sink = std::make_unique<history_sink>(mutex, lines, names[i], platform, origin);
    troupe::net::tcp_transport_config config;
    config.node_name = names[i];
    config.seeds = seeds;
    const std::string secret = "two-platforms-secret";
    for (char c : secret) config.secret.push_back(static_cast<std::byte>(c));
    node.transport = std::make_unique<troupe::net::tcp_transport>(config);
    node.system = std::make_unique<troupe::actor_system>(
        platform, troupe::system_config{.node_name = names[i], .trace = node.sink.get()});
    const std::string started = node.transport->start(*node.system);
    ASSERT_EQ(started, "");
    seeds.push_back({"127.0.0.1", node.transport->local_port()});
    const troupe::apps::node_context context{names[i], i < servers.size() ? "kv" : "client",
                                             static_cast<int>(i < servers.size() ? i : 0), 1, servers};
    if (i < servers.size()) app->boot_server(*node.system, context);
    else app->boot_client(*node.system, context, load);
    nodes.push_back(std::move(node));
  }
  // Wait (bounded) until the clients completed a meaningful number of operations.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (completed(mutex, lines) < 40 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    it->system->shutdown();
    it->system->await_termination();
  }
  for (auto& node : nodes) node.transport->stop(1s);
  nodes.clear();

  auto trace = troupe::checkers::read_trace_lines(lines);
  ASSERT_TRUE(trace.ok()) << trace.failure().to_string();
  EXPECT_GE(completed(mutex, lines), 40u) << "the TCP cluster served too few operations";
  for (const char* property : {"linearizable", "no_lost_acknowledged_writes"}) {
    auto verdict = troupe::checkers::check_property(trace.value(), property);
    ASSERT_TRUE(verdict.ok());
    EXPECT_TRUE(verdict.value().ok) << "tcp: " << property << ": " << verdict.value().message;
  }

  // The same application and properties in the simulator, under partitions.
  auto loaded = troupe::scenario::load_scenario_file(std::string(TROUPE_SOURCE_DIR) + "/scenarios/kv-partition.json");
  ASSERT_TRUE(std::holds_alternative<troupe::scenario::scenario>(loaded));
  const auto report = troupe::harness::run_scenario(std::get<troupe::scenario::scenario>(loaded));
  EXPECT_TRUE(report.passed()) << "simnet: " << report.first_failure();
  EXPECT_GE(report.operations_ok, 40u);
}

}  // namespace
