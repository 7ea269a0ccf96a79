// Goal: pods talk over the simulated network with latency within the configured bounds and
// FIFO per link, every cross-pod message is serialized, time jumps from event to event, and
// events run in (time, sequence) order.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "test_app.hpp"
#include "troupe/simnet/event_queue.hpp"

namespace {

using test_app::read_trace;

troupe::sim::simulation_config config(const std::string& name, std::uint64_t seed = 1) {
  troupe::sim::simulation_config c;
  c.seed = seed;
  c.scenario = name;
  c.trace_path = test_app::temp_trace(name);
  c.network.delay_ns_min = 1'000'000;  // 1 ms
  c.network.delay_ns_max = 3'000'000;  // 3 ms
  return c;
}

TEST(simulation, pods_exchange_messages_with_bounded_latency) {
  test_app::observations seen;
  std::string path;
  {
    troupe::sim::simulation sim(config("latency"));
    path = sim.config().trace_path;
    sim.add_deployment("kv", 3, test_app::boot("kv", 3, 100'000'000, &seen));
    sim.run_until(1'050'000'000);  // the pings of the tick at 1 s arrive too
    EXPECT_EQ(sim.live_pods(), (std::vector<std::string>{"kv-0", "kv-1", "kv-2"}));
  }
  auto lines = read_trace(path);
  std::map<std::uint64_t, std::int64_t> sent_at;
  std::map<std::pair<std::string, std::string>, std::uint64_t> last_ping;  // FIFO per link
  int cross_pod_deliveries = 0;
  for (auto& l : lines) {
    if (!l.contains("ev")) continue;
    if (l["ev"] == "send") sent_at[l["id"]] = l["t"];
    if (l["ev"] == "deliver" && l["from_pod"] != l["pod"]) {
      ++cross_pod_deliveries;
      ASSERT_TRUE(sent_at.count(l["id"]));
      const std::int64_t latency = l["t"].get<std::int64_t>() - sent_at[l["id"]];
      EXPECT_GE(latency, 1'000'000);
      EXPECT_LE(latency, 3'000'000);
      if (l["type"] == "test_app::ping") {
        auto key = std::make_pair(l["from_pod"].get<std::string>(), l["pod"].get<std::string>());
        EXPECT_GT(l["id"].get<std::uint64_t>(), last_ping[key]) << "FIFO per link";
        last_ping[key] = l["id"];
      }
    }
  }
  // 3 pods x 2 peers x 10 ticks pings, and as many pongs.
  EXPECT_EQ(cross_pod_deliveries, 3 * 2 * 10 * 2);
}

TEST(simulation, time_jumps_to_the_next_event) {
  test_app::observations seen;
  troupe::sim::simulation sim(config("jump"));
  sim.add_deployment("kv", 2, test_app::boot("kv", 2, 60'000'000'000, &seen));  // a tick a minute
  sim.run_until(600'000'000'000);  // ten minutes of virtual time
  EXPECT_EQ(seen.clock_reads["kv-0"].size(), 10u);
  EXPECT_LT(sim.stats().events, 200u);  // nothing happens in between
}

}  // namespace

// The event queue gives events in (time, push order) whether they sit in its ring of
// buckets or in its heap of later events: checked against a sorted reference on random
// pushes and pops, with ties, times beyond the ring and long jumps of time.
RC_GTEST_PROP(event_queue, events_come_out_in_time_then_push_order, ()) {
  using troupe::sim::event_kind;
  using troupe::sim::event_queue;
  event_queue queue;
  std::set<std::pair<std::int64_t, std::uint64_t>> reference;  // (time, push number)
  std::int64_t now = 0;
  std::uint64_t pushed = 0;
  const auto steps = *rc::gen::inRange(1, 400);
  for (int step = 0; step < steps; ++step) {
    if (*rc::gen::inRange(0, 3) > 0) {
      // Mostly within the ring (latencies), sometimes beyond it (timers), sometimes now.
      const std::int64_t ahead = *rc::gen::oneOf(
          rc::gen::inRange<std::int64_t>(0, 4),
          rc::gen::inRange<std::int64_t>(0, event_queue::horizon_ns),
          rc::gen::inRange<std::int64_t>(event_queue::horizon_ns - 2048,
                                         event_queue::horizon_ns * 3),
          rc::gen::inRange<std::int64_t>(0, 5'000'000'000));
      queue.push(now + ahead, event_kind::delivery, pushed);
      reference.emplace(now + ahead, pushed);
      ++pushed;
    } else {
      const std::int64_t limit = now + *rc::gen::inRange<std::int64_t>(0, 3'000'000);
      troupe::sim::sim_event next{};
      const bool due = !reference.empty() && reference.begin()->first <= limit;
      RC_ASSERT(queue.pop_until(limit, next) == due);
      if (!due) continue;
      RC_ASSERT(next.time == reference.begin()->first);
      RC_ASSERT(next.id == reference.begin()->second);
      RC_ASSERT(next.what() == event_kind::delivery);
      reference.erase(reference.begin());
      now = next.time;
    }
    RC_ASSERT(queue.size() == reference.size());
  }
  troupe::sim::sim_event next{};
  while (!reference.empty()) {
    RC_ASSERT(queue.pop_until(INT64_MAX, next));
    RC_ASSERT(next.time == reference.begin()->first && next.id == reference.begin()->second);
    reference.erase(reference.begin());
  }
  RC_ASSERT(queue.empty());
}
