// Goal: each fault has its effect on delivery: nothing crosses an active partition (also
// one-way and with a bridge), a killed pod's messages are dropped with a reason, a restarted
// pod gets nothing addressed to its previous incarnation, a graceful stop runs hooks,
// scaling follows StatefulSet order, skew changes one pod's clock, a paused pod does nothing
// until resumed. Bad schedules are refused before the run. Actor code under test can request
// a fault at its own step; outside a simulation the request is refused.

#include <gtest/gtest.h>
#include <map>
#include <set>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "test_app.hpp"
#include "troupe/runtime/manual_platform.hpp"
#include "troupe/simnet/actor_faults.hpp"

namespace {

using troupe::sim::fault;
using troupe::sim::fault_kind;

constexpr std::int64_t ms = 1'000'000;

struct run_result {
  std::vector<nlohmann::json> trace;
  test_app::observations seen;
};

run_result run(const std::string& name, int pods, std::vector<fault> faults,
               std::int64_t duration = 1000 * ms, std::uint64_t seed = 1) {
  run_result out;
  troupe::sim::simulation_config c;
  c.seed = seed;
  c.scenario = name;
  c.trace_path = test_app::temp_trace(name);
  c.connection_loss_detection_ns = 50 * ms;
  {
    troupe::sim::simulation sim(c);
    sim.add_deployment("kv", pods, test_app::boot("kv", pods, 20 * ms, &out.seen));
    auto problem = sim.validate(faults);
    EXPECT_FALSE(problem.has_value()) << *problem;
    sim.schedule(faults);
    sim.run_until(duration);
  }
  out.trace = test_app::read_trace(c.trace_path);
  return out;
}

fault at(std::int64_t t, fault_kind kind, std::string pod = {}) {
  fault f;
  f.at_ns = t;
  f.kind = kind;
  f.pod = std::move(pod);
  return f;
}

fault split(std::int64_t t, std::vector<std::vector<std::string>> groups) {
  fault f = at(t, fault_kind::partition);
  f.groups = std::move(groups);
  return f;
}

/// Cross-pod deliveries (from_pod -> pod) in the time window [begin, end).
std::set<std::pair<std::string, std::string>> links_used(const run_result& r, std::int64_t begin,
                                                         std::int64_t end) {
  std::set<std::pair<std::string, std::string>> used;
  for (auto& l : r.trace) {
    if (l.value("ev", "") != "deliver" || l["from_pod"] == l["pod"]) continue;
    const std::int64_t t = l["t"];
    if (t >= begin && t < end) used.insert({l["from_pod"].get<std::string>(), l["pod"].get<std::string>()});
  }
  return used;
}

int drops(const run_result& r, const std::string& reason) {
  int n = 0;
  for (auto& l : r.trace)
    if (l.value("ev", "") == "drop" && l["reason"] == reason) ++n;
  return n;
}

TEST(faults, nothing_crosses_an_active_partition_and_heal_restores) {
  auto r = run("partition", 3, {split(200 * ms, {{"kv-0"}, {"kv-1", "kv-2"}}), at(600 * ms, fault_kind::heal)});
  for (auto& [from, to] : links_used(r, 200 * ms, 600 * ms)) {
    EXPECT_FALSE((from == "kv-0") != (to == "kv-0")) << from << " -> " << to;
  }
  EXPECT_TRUE(links_used(r, 200 * ms, 600 * ms).count({"kv-1", "kv-2"}));
  EXPECT_TRUE(links_used(r, 650 * ms, 1000 * ms).count({"kv-0", "kv-1"}));
  EXPECT_GT(drops(r, "partition"), 0);
}

TEST(faults, one_way_partition_cuts_one_direction) {
  fault f = at(100 * ms, fault_kind::partition);
  f.one_way = true;
  f.from = {"kv-0"};
  f.to = {"kv-1"};
  auto r = run("one-way", 2, {f});
  auto used = links_used(r, 110 * ms, 1000 * ms);
  EXPECT_FALSE(used.count({"kv-0", "kv-1"}));
  EXPECT_TRUE(used.count({"kv-1", "kv-0"}));
}

TEST(faults, a_bridge_node_talks_to_both_sides) {
  auto r = run("bridge", 3, {split(100 * ms, {{"kv-0"}, {"kv-1"}})});  // kv-2 in no group
  auto used = links_used(r, 110 * ms, 1000 * ms);
  EXPECT_FALSE(used.count({"kv-0", "kv-1"}));
  EXPECT_TRUE(used.count({"kv-0", "kv-2"}));
  EXPECT_TRUE(used.count({"kv-2", "kv-1"}));
}

TEST(faults, messages_to_a_killed_pod_are_dropped_with_a_reason) {
  auto r = run("kill", 3, {at(300 * ms, fault_kind::kill, "kv-2")});
  for (auto& [from, to] : links_used(r, 300 * ms, 1000 * ms)) {
    EXPECT_NE(from, "kv-2");
    EXPECT_NE(to, "kv-2");
  }
  EXPECT_GT(drops(r, "dead_pod"), 0);
  EXPECT_EQ(r.seen.post_stops, 0);  // a crash runs no hook (nor does the end of a simulation)
}

TEST(faults, a_restarted_pod_gets_nothing_sent_to_its_previous_incarnation) {
  fault slow = at(0, fault_kind::network);
  slow.conditions.delay_ns_min = 40 * ms;  // many messages in flight when the restart comes
  slow.conditions.delay_ns_max = 40 * ms;
  auto r = run("restart", 2, {slow, at(300 * ms, fault_kind::restart, "kv-1")});
  EXPECT_GT(drops(r, "stale_incarnation"), 0);
  bool restarted = false;
  for (auto& l : r.trace) {
    if (l.value("ev", "") == "fault" && l["kind"] == "restart") {
      restarted = true;
      EXPECT_EQ(l["incarnation"], 2);
    }
    // Everything kv-1 handles after the restart was sent after it.
    if (l.value("ev", "") == "deliver" && l["pod"] == "kv-1" && l["t"] >= 300 * ms) {
      EXPECT_GE(l["t"].get<std::int64_t>(), 340 * ms);
    }
  }
  EXPECT_TRUE(restarted);
}

TEST(faults, graceful_stop_runs_shutdown_hooks) {
  auto r = run("stop", 2, {at(100 * ms, fault_kind::stop, "kv-1")}, 200 * ms);
  bool stopped_in_trace = false;
  for (auto& l : r.trace)
    if (l.value("ev", "") == "stop" && l["pod"] == "kv-1" && l["t"] == 100 * ms) stopped_in_trace = true;
  EXPECT_TRUE(stopped_in_trace);
  EXPECT_EQ(r.seen.post_stops, 1);  // kv-1's; the end of the simulation runs no hook
}

TEST(faults, scale_adds_next_ordinals_and_removes_highest) {
  fault up = at(100 * ms, fault_kind::scale);
  up.deployment = "kv";
  up.replicas = 4;
  fault down = at(200 * ms, fault_kind::scale);
  down.deployment = "kv";
  down.replicas = 1;
  auto r = run("scale", 2, {up, down}, 300 * ms);
  std::vector<std::vector<std::string>> added, removed;
  for (auto& l : r.trace)
    if (l.value("ev", "") == "fault" && l["kind"] == "scale") {
      added.push_back(l["added"]);
      removed.push_back(l["removed"]);
    }
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0], (std::vector<std::string>{"kv-2", "kv-3"}));
  EXPECT_EQ(removed[1], (std::vector<std::string>{"kv-1", "kv-2", "kv-3"}));
  for (auto& [from, to] : links_used(r, 210 * ms, 300 * ms)) FAIL() << "only kv-0 is left";
}

TEST(faults, skew_changes_the_clock_of_one_pod_only) {
  fault skew = at(100 * ms, fault_kind::skew, "kv-1");
  skew.offset_ns = 5'000 * ms;
  skew.rate = 2.0;
  auto r = run("skew", 2, {skew}, 300 * ms);
  // Ticks every 20 ms of the pod's own clock: kv-1's clock runs twice as fast after 100 ms.
  const auto& normal = r.seen.clock_reads["kv-0"];
  const auto& skewed = r.seen.clock_reads["kv-1"];
  ASSERT_FALSE(normal.empty());
  ASSERT_FALSE(skewed.empty());
  EXPECT_LT(normal.back(), 300 * ms + 1);
  EXPECT_GT(skewed.back(), 5'000 * ms);
  EXPECT_GT(skewed.size(), normal.size());
}

TEST(faults, a_paused_pod_does_nothing_until_resumed) {
  auto r = run("pause", 2, {at(100 * ms, fault_kind::pause, "kv-1"), at(500 * ms, fault_kind::resume, "kv-1")}, 700 * ms);
  for (auto& l : r.trace) {
    if (l.value("pod", "") != "kv-1") continue;
    const std::int64_t t = l["t"];
    if (l.value("ev", "") == "fault") continue;
    EXPECT_FALSE(t > 100 * ms && t < 500 * ms) << l.dump();
  }
  // Messages that waited are handled at the resume.
  int handled_at_resume = 0;
  for (auto& l : r.trace)
    if (l.value("ev", "") == "deliver" && l["pod"] == "kv-1" && l["t"] == 500 * ms) ++handled_at_resume;
  EXPECT_GT(handled_at_resume, 0);
}

// A paused pod that is killed loses the messages waiting for its resume: each is traced as
// dropped (dead_pod) at the kill, so that none vanishes from the trace (before, they did, and
// entity_delivery had no way to tell them from a message the runtime lost).
TEST(faults, messages_waiting_at_a_paused_pod_that_is_killed_are_traced_as_dropped) {
  auto r = run("pause-kill", 2,
               {at(100 * ms, fault_kind::pause, "kv-1"), at(500 * ms, fault_kind::kill, "kv-1")},
               700 * ms);
  std::set<std::uint64_t> waiting;  // sent to kv-1 while it was paused, arriving before the kill
  std::map<std::uint64_t, std::string> ends;
  for (auto& l : r.trace) {
    const std::string ev = l.value("ev", "");
    const std::int64_t t = l.value("t", std::int64_t{0});
    if (ev == "send" && l["to_pod"] == "kv-1" && l["pod"] == "kv-0" && t > 100 * ms &&
        t < 490 * ms)
      waiting.insert(l["id"].get<std::uint64_t>());
    if (ev == "deliver") ends[l["id"].get<std::uint64_t>()] = "deliver";
    if (ev == "drop") ends[l["id"].get<std::uint64_t>()] = l["reason"].get<std::string>();
  }
  ASSERT_FALSE(waiting.empty());
  for (std::uint64_t id : waiting) {
    ASSERT_TRUE(ends.contains(id)) << "message " << id << " vanished";
    EXPECT_EQ(ends[id], "dead_pod") << "message " << id;
  }
}

TEST(faults, bad_schedules_are_refused_with_the_problem_named) {
  troupe::sim::simulation sim({});
  test_app::observations seen;
  sim.add_deployment("kv", 2, test_app::boot("kv", 2, 0, &seen));
  auto problem = [&](std::vector<fault> faults) { return sim.validate(faults).value_or(""); };
  EXPECT_NE(problem({at(5, fault_kind::kill, "kv-7")}).find("unknown pod 'kv-7'"), std::string::npos);
  EXPECT_NE(problem({at(-5, fault_kind::heal)}).find("negative"), std::string::npos);
  EXPECT_NE(problem({split(5, {{"kv-0", "kv-1"}, {"kv-1"}})}).find("two groups"), std::string::npos);
  fault scale = at(5, fault_kind::scale);
  scale.deployment = "db";
  scale.replicas = 2;
  EXPECT_NE(problem({scale}).find("unknown deployment 'db'"), std::string::npos);
  scale.deployment = "kv";
  scale.replicas = 3;
  EXPECT_EQ(problem({scale, at(6, fault_kind::kill, "kv-2")}), "");  // exists after the scale-up
  EXPECT_NE(problem({at(4, fault_kind::kill, "kv-2"), scale}).find("unknown pod 'kv-2'"), std::string::npos);
}

/// Kills its own pod from inside its third tick, after sending that tick's pings.
struct kills_its_pod final : troupe::actor<test_app::protocol> {
  explicit kills_its_pod(std::string pod) : pod_(std::move(pod)) {}
  void pre_start() override { start_periodic_timer("tick", test_app::tick{}, std::chrono::milliseconds(20)); }
  void on_message(test_app::protocol& m) override {
    if (!std::holds_alternative<test_app::tick>(m) || ++ticks_ != 3) return;
    system().remote_ref<test_app::protocol>("kv-0", "/user/node").tell(test_app::ping{99});
    fault kill = at(0, fault_kind::kill, pod_);  // a time already past means now
    auto problem = troupe::sim::request_fault(system(), kill);
    EXPECT_FALSE(problem.has_value()) << *problem;
    auto bad = troupe::sim::request_fault(system(), at(0, fault_kind::kill, "kv-9"));
    ASSERT_TRUE(bad.has_value());
    EXPECT_NE(bad->find("unknown pod 'kv-9'"), std::string::npos);
    requested_at_ = now_ns();
  }
  std::string pod_;
  int ticks_ = 0;
  std::int64_t requested_at_ = -1;
};

TEST(faults, an_actor_under_test_kills_its_own_pod_after_its_turn) {
  troupe::sim::simulation_config c;
  c.seed = 1;
  c.scenario = "actor-kill";
  c.trace_path = test_app::temp_trace("actor-kill");
  test_app::observations seen;
  {
    troupe::sim::simulation sim(c);
    auto nodes = test_app::boot("kv", 2, 0, &seen);
    sim.add_deployment("kv", 2, [&](troupe::actor_system& system, const troupe::sim::pod_info& pod) {
      nodes(system, pod);
      if (pod.name == "kv-1") {
        ASSERT_TRUE(system.spawn_with<kills_its_pod>({"killer", {}}, pod.name).ok());
      }
    });
    sim.run_until(200 * ms);
    EXPECT_EQ(sim.live_pods(), std::vector<std::string>{"kv-0"});
  }
  auto trace = test_app::read_trace(c.trace_path);
  std::int64_t killed_at = -1;
  std::uint64_t kill_seq = 0, ping_seq = 0;
  for (auto& l : trace) {
    if (l.value("ev", "") == "fault" && l["kind"] == "kill") {
      EXPECT_EQ(l["pod"], "kv-1");
      killed_at = l["t"];
      kill_seq = l["seq"];
    }
    if (l.value("ev", "") == "send" && l["from"] == "/user/killer") ping_seq = l["seq"];
  }
  EXPECT_EQ(killed_at, 60 * ms);  // the third 20 ms tick
  EXPECT_LT(ping_seq, kill_seq) << "the turn that asked finished before the kill";
  for (auto& l : trace) {
    if (l.value("ev", "") == "deliver" && l["t"] > killed_at) {
      EXPECT_NE(l["pod"], "kv-1") << l.dump();
    }
  }
}

TEST(faults, outside_a_simulation_an_actor_cannot_request_a_fault) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform, {});
  EXPECT_EQ(troupe::sim::simulation_of(system), nullptr);
  auto problem = troupe::sim::request_fault(system, at(0, fault_kind::kill, "kv-0"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("does not run in a simulation"), std::string::npos);
}

}  // namespace
