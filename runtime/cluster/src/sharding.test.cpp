// Goal: cluster sharding routes every message to the one live instance of its entity, on
// whichever pod hosts the entity's shard; shards spread over the pods, move to new pods on
// scale-up and to survivors after a kill or a graceful stop, and no entity ever has two
// active instances (judged from the trace by entity_unique and the probes' answers).

#include "sharding_sim.test.hpp"

namespace {

using namespace sharding_sim;

TEST(sharding, shard_of_is_stable_and_in_range) {
  EXPECT_EQ(troupe::cluster::shard_of("d1", 30), troupe::cluster::shard_of("d1", 30));
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 300; ++i) {
    const auto shard = troupe::cluster::shard_of("e" + std::to_string(i), 30);
    EXPECT_LT(shard, 30u);
    seen.insert(shard);
  }
  EXPECT_EQ(seen.size(), 30u);  // 300 ids reach every shard
}

TEST(sharding, routes_to_entities_on_every_pod_and_starts_each_once) {
  sharding_options o;
  o.cluster.duration_ns = 12 * s;
  auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  const auto counts = outcomes(r);
  EXPECT_GE(counts.at("ok"), 90);  // 3 s .. 8 s at 20 per second
  EXPECT_EQ(counts.size(), 1u) << "every probe answered";
  std::set<std::string> answering;
  for (const auto& p : probes(r)) answering.insert(p.at);
  EXPECT_EQ(answering, (std::set<std::string>{"kv-0", "kv-1", "kv-2"}));
  EXPECT_EQ(r.entities.size(), 20u) << "20 entities, each started once and never stopped";
  const auto hosts = shard_hosts(r, o.cluster.duration_ns);
  EXPECT_EQ(hosts.size(), 30u);
}

}  // namespace

namespace {

using namespace sharding_sim;

/// How many shards each pod hosts at `t`.
std::map<std::string, int> shards_per_pod(const sharding_result& r, std::int64_t t) {
  std::map<std::string, int> out;
  for (const auto& [shard, pods] : shard_hosts(r, t))
    for (const auto& pod : pods) ++out[pod];
  return out;
}

TEST(sharding, scale_up_moves_shards_to_the_new_pods_without_losing_a_message) {
  sharding_options o;
  o.cluster.faults = {scale_to(8 * s, 5)};
  o.cluster.duration_ns = 20 * s;
  auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  EXPECT_TRUE(r.run.membership.ok) << r.run.membership.message;
  const auto counts = outcomes(r);
  EXPECT_EQ(counts.size(), 1u) << "every probe answered, also while shards were handed off";
  EXPECT_GT(counts.at("ok"), 200);
  // 30 shards over 5 pods: 6 each once rebalanced.
  EXPECT_EQ(shards_per_pod(r, 16 * s),
            (std::map<std::string, int>{
                {"kv-0", 6}, {"kv-1", 6}, {"kv-2", 6}, {"kv-3", 6}, {"kv-4", 6}}));
  // Entities moved: an entity stopped on an old pod starts again on a new one.
  std::set<std::string> started_on_new;
  for (const auto& e : r.entities)
    if (e.started && (e.pod == "kv-3" || e.pod == "kv-4")) started_on_new.insert(e.entity);
  EXPECT_GT(started_on_new.size(), 3u);
  for (const auto& p : probes(r))
    if (p.t > 14 * s) {
      EXPECT_EQ(p.outcome, "ok");
    }
}

TEST(sharding, a_killed_pods_shards_are_served_by_the_survivors_within_5s) {
  sharding_options o;
  o.cluster.faults = {at(10 * s, fault_kind::kill, "kv-2")};
  o.cluster.duration_ns = 22 * s;
  auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  const std::int64_t served = all_shards_served(r, 30, 10 * s, {"kv-2"});
  ASSERT_GT(served, 0);
  EXPECT_LT(served - 10 * s, 5 * s) << "kill -> every shard hosted by a survivor";
  for (const auto& p : probes(r))
    if (p.t > served + 3 * s) {
      EXPECT_EQ(p.outcome, "ok") << p.entity << " at " << p.t;
    }
}

TEST(sharding, the_coordinators_pod_killed_its_successor_reallocates_within_5s) {
  sharding_options o;
  o.cluster.faults = {at(10 * s, fault_kind::kill, "kv-0")};
  o.cluster.duration_ns = 22 * s;
  o.probing_pods = {"kv-1"};
  auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  const std::int64_t served = all_shards_served(r, 30, 10 * s, {"kv-0"});
  ASSERT_GT(served, 0);
  EXPECT_LT(served - 10 * s, 5 * s) << "kill -> every shard hosted by a survivor";
}

TEST(sharding, a_graceful_scale_down_hands_its_shards_off_at_once) {
  sharding_options o;
  o.cluster.pods = 5;
  o.cluster.faults = {scale_to(10 * s, 3)};
  o.cluster.duration_ns = 18 * s;
  auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  const std::int64_t served = all_shards_served(r, 30, 10 * s, {"kv-3", "kv-4"});
  ASSERT_GT(served, 0);
  EXPECT_LT(served - 10 * s, 1 * s) << "the stopping regions report their shards stopped";
  const auto counts = outcomes(r);
  EXPECT_LE(counts.count("timeout") ? counts.at("timeout") : 0, 2)
      << "at most the questions in flight to the stopping pods";
}

TEST(sharding, a_node_cut_off_and_downed_stops_its_entities_before_they_move) {
  sharding_options o;
  o.cluster.faults = {split(8 * s, {{"kv-2"}, {"kv-0", "kv-1"}}), at(18 * s, fault_kind::heal)};
  o.cluster.duration_ns = 30 * s;
  auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  EXPECT_EQ(r.run.split_brain, "");
  int stopped_on_kv2 = 0;
  for (const auto& e : r.entities)
    if (!e.started && e.pod == "kv-2" && e.t > 8 * s && e.t < 18 * s) ++stopped_on_kv2;
  EXPECT_GT(stopped_on_kv2, 0) << "kv-2 downed itself and stopped its entities";
  EXPECT_GT(all_shards_served(r, 30, 8 * s, {"kv-2"}), 0);
  for (const auto& p : probes(r))
    if (p.t > 24 * s) {
      EXPECT_EQ(p.outcome, "ok");
    }
}

TEST(sharding, a_full_buffer_refuses_messages_and_traces_each_drop) {
  sharding_options o;
  o.settings.buffer_max = 3;
  o.probe_start_ns = 100 * ms;  // before the cluster has formed: no shard has a home yet
  o.probe_interval_ns = 20 * ms;
  o.cluster.duration_ns = 10 * s;
  auto r = run_sharding(o);
  const auto counts = outcomes(r);
  ASSERT_TRUE(counts.contains("refused"));
  int drops = 0;
  for (const auto& e : r.run.events)
    if (e["ev"] == "entity_drop" && e["reason"] == "buffer_full") ++drops;
  EXPECT_EQ(drops, counts.at("refused"));
  EXPECT_FALSE(counts.contains("timeout")) << "every message is answered or refused";
  EXPECT_GT(counts.at("ok"), 100);
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
}

}  // namespace

namespace {

using namespace sharding_sim;

/// The schedule the sharding property found (docs/cluster.md, "Fencing"): 5 pods, kv-0 (the
/// oldest, running the coordinator) cut off 4.5-7.5 s, a 0.5 s heal, cut off again 8-12.5 s.
/// Before fencing, the majority downed kv-0 at 7.8 s while kv-0's own resolver window had
/// restarted in the heal, so kv-0 ran entities until 11.2 s that the new coordinator had
/// already started elsewhere.
sharding_options short_heal_schedule(std::uint64_t seed) {
  sharding_options o;
  o.cluster.name = "sharding-short-heal";
  o.cluster.pods = 5;
  o.cluster.seed = seed;
  o.probing_pods = {};
  o.probe_interval_ns = 100 * ms;
  const std::vector<std::vector<std::string>> kv0_alone = {{"kv-0"},
                                                           {"kv-1", "kv-2", "kv-3", "kv-4"}};
  o.cluster.faults = {split(4500 * ms, kv0_alone), at(7500 * ms, fault_kind::heal),
                      split(8000 * ms, kv0_alone), at(12500 * ms, fault_kind::heal)};
  o.cluster.duration_ns = 12500 * ms + 16 * s;
  o.probe_stop_ns = o.cluster.duration_ns;
  return o;
}

TEST(sharding, a_short_heal_between_two_cuts_never_runs_an_entity_twice) {
  for (std::uint64_t seed : {5689u, 1u, 2u, 3u}) {
    const auto o = short_heal_schedule(seed);
    const auto r = run_sharding(o);
    EXPECT_TRUE(r.unique.ok) << "seed " << seed << ": " << r.unique.message;
    EXPECT_TRUE(r.delivery.ok) << "seed " << seed << ": " << r.delivery.message;
    EXPECT_EQ(r.run.split_brain, "") << "seed " << seed;
    EXPECT_GT(all_shards_served(r, 30, 12500 * ms, {}), 0) << "seed " << seed;
  }
}

}  // namespace

namespace {

using namespace sharding_sim;

/// The one-way cut the generated schedules found with fencing switched off: kv-1's messages to
/// kv-0 and kv-2 are lost 4-8.3 s while it still hears them. kv-1 sees nobody unreachable and
/// never downs itself; the others down it and move its shards. Only its lease stops it: its
/// heartbeats get no acks.
TEST(sharding, a_node_that_hears_the_others_but_is_not_heard_stops_serving_before_its_shards_move) {
  sharding_options o;
  o.cluster.name = "sharding-one-way";
  o.cluster.seed = 1;
  o.probing_pods = {};
  o.probe_interval_ns = 100 * ms;
  fault cut = at(4 * s, fault_kind::partition);
  cut.one_way = true;
  cut.from = {"kv-1"};
  cut.to = {"kv-0", "kv-2"};
  o.cluster.faults = {cut, at(8300 * ms, fault_kind::heal)};
  o.cluster.duration_ns = 24 * s;
  o.probe_stop_ns = o.cluster.duration_ns;
  const auto r = run_sharding(o);
  EXPECT_TRUE(r.unique.ok) << r.unique.message;
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  EXPECT_GT(all_shards_served(r, 30, 8300 * ms, {}), 0);
  std::int64_t lost = -1;
  for (const auto& e : r.run.events)
    if (e["ev"] == "lease" && e["pod"] == "kv-1" && e["state"] == "lost" && lost < 0) lost = e["t"];
  EXPECT_GT(lost, 4 * s);
  EXPECT_LT(lost, 5 * s) << "the lease ends 0.5 s after the last acked heartbeat";
}

}  // namespace

namespace {

using namespace sharding_sim;

/// Every pod is cut off from the others from the start, so the cluster never forms and no
/// shard ever gets a home: every probe waits in kv-0's buffer.
sharding_options never_formed(std::int64_t buffer_timeout_ns) {
  sharding_options o;
  o.settings.buffer_timeout_ns = buffer_timeout_ns;
  o.cluster.faults = {split(0, {{"kv-0"}, {"kv-1"}, {"kv-2"}})};
  o.probe_start_ns = 1 * s;
  o.probe_interval_ns = 200 * ms;
  o.probe_stop_ns = 12 * s;
  o.cluster.duration_ns = 25 * s;
  return o;
}

// Before buffer_timeout_ns, a message whose shard never got a home stayed in the buffer for
// good: its ask timed out, but the message was neither delivered nor reported, and
// entity_delivery calls it silently lost (the second half shows the checker finding it).
TEST(sharding, a_message_whose_shard_never_gets_a_home_is_dropped_after_the_buffer_timeout) {
  auto r = run_sharding(never_formed(10 * s));
  EXPECT_TRUE(r.delivery.ok) << r.delivery.message;
  std::map<std::string, std::int64_t> buffered_at;  // entity_message -> first buffered
  int timed_out = 0;
  for (const auto& e : r.run.events) {
    if (e["ev"] != "entity_route") continue;
    const std::string message = e["entity_message"];
    if (e["step"] == "buffered") buffered_at.try_emplace(message, e["t"].get<std::int64_t>());
    EXPECT_NE(e["step"], "delivered") << "no shard has a home";
    if (e["step"] != "dropped") continue;
    EXPECT_EQ(e["reason"], "buffer_timeout");
    const std::int64_t waited = e["t"].get<std::int64_t>() - buffered_at.at(message);
    EXPECT_GE(waited, 10 * s);
    EXPECT_LE(waited, 10 * s + 200 * ms) << "dropped at the first tick after the timeout";
    ++timed_out;
  }
  EXPECT_EQ(timed_out, 55) << "every probe of 1 s .. 12 s, one per 200 ms";
  EXPECT_EQ(static_cast<int>(buffered_at.size()), timed_out);

  auto unbounded = run_sharding(never_formed(1000 * s));
  EXPECT_FALSE(unbounded.delivery.ok);
  EXPECT_NE(unbounded.delivery.message.find("silently lost: last step buffered on kv-0"),
            std::string::npos)
      << unbounded.delivery.message;
}

}  // namespace
