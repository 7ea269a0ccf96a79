// Goal: `troupe check` with a `scale` generator plays schedules the simulator accepts (no pod
// named after it was scaled away), with every count within the file's bounds, interleaved
// with kills and partitions of scaled-up pods; a failing case shrinks by dropping scale
// events that do not matter and lowering the counts of those that do; and a generated
// schedule written as a replay file reads back the same; and every generated episode is
// drawn at full size (every pod, the whole window).

#include "troupe/harness/fault_generation.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "troupe/harness/search.hpp"
#include "troupe/simnet/simulation.hpp"

namespace {

using nlohmann::json;
using troupe::sim::fault;
using troupe::sim::fault_kind;

/// kv with 3 server pods, one client pod, and a generator of every kind it may generate.
troupe::scenario::scenario scaling_scenario(int min, int max, int max_faults = 12) {
  json d = json::parse(R"({
    "version": 1, "name": "kv-scaling",
    "app": {"name": "kv", "options": {"bug": "none"}},
    "deployments": [{"name": "kv", "replicas": 3}, {"name": "client", "replicas": 1, "role": "client"}],
    "generator": {"kinds": ["scale", "partition", "heal", "kill", "restart", "stop", "skew", "pause", "resume"],
                  "window": ["1s", "10s"]},
    "duration": "12s"
  })");
  d["generator"]["max_faults"] = max_faults;
  d["generator"]["scale"] = {{"deployment", "kv"}, {"min", min}, {"max", max}};
  auto parsed = troupe::scenario::parse_scenario(d);
  if (auto* e = std::get_if<troupe::scenario::load_error>(&parsed)) ADD_FAILURE() << e->describe();
  return std::get<troupe::scenario::scenario>(parsed);
}

/// What the simulator says of a schedule before it runs one ("" when accepted), with pods
/// that boot nothing.
std::string simulator_verdict(const troupe::scenario::scenario& s) {
  troupe::sim::simulation_config config;
  config.seed = s.seed;
  troupe::sim::simulation sim(config);
  for (const auto& d : s.deployments)
    sim.add_deployment(d.name, d.replicas,
                       [](troupe::actor_system&, const troupe::sim::pod_info&) {});
  return sim.validate(s.faults).value_or("");
}

std::size_t count_kind(const troupe::scenario::scenario& s, fault_kind kind) {
  return static_cast<std::size_t>(std::count_if(s.faults.begin(), s.faults.end(),
                                                [&](const fault& f) { return f.kind == kind; }));
}

RC_GTEST_PROP(fault_generation, generated_scale_schedules_are_accepted_and_keep_their_bounds, ()) {
  const int min = *rc::gen::inRange(1, 4);
  const int max = *rc::gen::inRange(std::max(min + 1, 3), 8);
  const auto base = scaling_scenario(min, max);
  const auto generated = *troupe::harness::case_gen(base);
  const auto s =
      troupe::harness::materialize(base, generated, *rc::gen::arbitrary<std::uint64_t>());
  RC_ASSERT(simulator_verdict(s) == "");
  RC_ASSERT(std::is_sorted(s.faults.begin(), s.faults.end(),
                           [](const fault& a, const fault& b) { return a.at_ns < b.at_ns; }));
  for (const auto& f : s.faults) {
    RC_ASSERT(f.at_ns >= base.generator->window_start_ns);
    RC_ASSERT(f.at_ns <= base.generator->window_end_ns);
    if (f.kind != fault_kind::scale) continue;
    RC_ASSERT(f.deployment == "kv");
    RC_ASSERT(f.replicas >= min);
    RC_ASSERT(f.replicas <= max);
  }
  RC_CLASSIFY(count_kind(s, fault_kind::scale) > 0, "with scale");
}

TEST(fault_generation, kills_pauses_and_partitions_reach_pods_a_scale_up_added) {
  const auto base = scaling_scenario(2, 5, 6);
  const auto generator = troupe::harness::case_gen(base);
  int named_added_pod = 0, refused = 0;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    const auto s =
        troupe::harness::materialize(base, generator(rc::Random(seed), 100).value(), seed);
    refused += simulator_verdict(s) != "";
    for (const auto& f : s.faults) {
      bool added = f.pod == "kv-3" || f.pod == "kv-4";
      for (const auto& group : f.groups)
        added = added || std::count(group.begin(), group.end(), "kv-3") +
                             std::count(group.begin(), group.end(), "kv-4");
      named_added_pod += added;
    }
  }
  EXPECT_EQ(refused, 0);
  EXPECT_GT(named_added_pod, 20)
      << "generated faults should also hit pods that only a scale-up adds";
}

TEST(fault_generation, episodes_reach_every_pod_and_the_whole_window) {
  // RapidCheck's integer generators narrow their range with the size; drawn at the size
  // `max_faults` (2 here), every kill hit kv-0 in the first second of the window and lasted
  // at most half a second. Each episode is drawn at full size now.
  json d = json::parse(R"({
    "version": 1, "name": "kv-kills",
    "app": {"name": "kv", "options": {"bug": "none"}},
    "deployments": [{"name": "kv", "replicas": 3}, {"name": "client", "replicas": 1, "role": "client"}],
    "generator": {"kinds": ["kill"], "max_faults": 2, "window": ["4s", "20s"]},
    "duration": "32s"
  })");
  const auto base = std::get<troupe::scenario::scenario>(troupe::scenario::parse_scenario(d));
  const auto generator = troupe::harness::case_gen(base);
  std::set<std::string> killed;
  std::int64_t latest_kill_ns = 0, longest_down_ns = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto s = troupe::harness::materialize(base, generator(rc::Random(seed), 100).value(), seed);
    std::map<std::string, std::int64_t> killed_at;
    for (const auto& f : s.faults) {
      if (f.kind == fault_kind::kill) {
        killed.insert(f.pod);
        killed_at[f.pod] = f.at_ns;
        latest_kill_ns = std::max(latest_kill_ns, f.at_ns);
      }
      if (f.kind == fault_kind::restart && killed_at.contains(f.pod))
        longest_down_ns = std::max(longest_down_ns, f.at_ns - killed_at[f.pod]);
    }
  }
  EXPECT_EQ(killed, (std::set<std::string>{"kv-0", "kv-1", "kv-2"}));
  EXPECT_GT(latest_kill_ns, 15'000'000'000) << "kills should reach the end of the 4-20 s window";
  EXPECT_GT(longest_down_ns, 5'000'000'000) << "some pods should stay down for seconds";
}

TEST(fault_generation, a_generated_scale_schedule_reads_back_from_its_replay_document) {
  const auto base = scaling_scenario(2, 5);
  const auto generator = troupe::harness::case_gen(base);
  int with_scale = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto s =
        troupe::harness::materialize(base, generator(rc::Random(seed), 100).value(), seed);
    with_scale += count_kind(s, fault_kind::scale) > 0;
    json document = troupe::scenario::to_json(s);
    auto again = troupe::scenario::parse_scenario(document);
    ASSERT_TRUE(std::holds_alternative<troupe::scenario::scenario>(again))
        << std::get<troupe::scenario::load_error>(again).describe() << "\n"
        << document.dump(2);
    EXPECT_EQ(troupe::scenario::to_json(std::get<troupe::scenario::scenario>(again)), document);
  }
  EXPECT_GT(with_scale, 10);
}

/// A stand-in for a run that fails when `fails` says so, to watch the search shrink.
troupe::harness::run_report judged(const troupe::scenario::scenario& s, bool fails) {
  troupe::harness::run_report report;
  report.seed = s.seed;
  report.verdicts.push_back({"stand_in", !fails, fails ? "failed" : "", std::nullopt});
  return report;
}

TEST(search, shrinking_drops_scale_events_a_failure_does_not_need) {
  // The failure needs a kill and nothing else: the shrunk case is one kill and its restart.
  const auto base = scaling_scenario(2, 5, 8);
  troupe::harness::search_options options;
  options.run = [](const troupe::scenario::scenario& s) {
    return judged(s, count_kind(s, fault_kind::kill) > 0);
  };
  bool seen = false;
  for (std::uint64_t first = 1; first <= 50 && !seen; ++first) {
    options.first_seed = first;
    const auto result = troupe::harness::search(base, options);
    ASSERT_TRUE(result.found);
    if (count_kind(result.original, fault_kind::scale) == 0) continue;
    seen = true;
    EXPECT_EQ(count_kind(result.shrunk, fault_kind::scale), 0u);
    ASSERT_EQ(result.shrunk.faults.size(), 2u);
    EXPECT_EQ(result.shrunk.faults[0].kind, fault_kind::kill);
    EXPECT_EQ(result.shrunk.faults[1].kind, fault_kind::restart);
    EXPECT_LT(result.size_after.faults, result.size_before.faults);
  }
  EXPECT_TRUE(seen) << "no failing case with a scale event in 50 searches";
}

TEST(search, shrinking_lowers_a_needed_scale_to_the_smallest_failing_count) {
  // The failure needs the deployment at 4 replicas or more: the shrunk case is one scale to 4.
  const auto base = scaling_scenario(2, 6, 8);
  troupe::harness::search_options options;
  options.run = [](const troupe::scenario::scenario& s) {
    return judged(s, std::any_of(s.faults.begin(), s.faults.end(), [](const fault& f) {
                    return f.kind == fault_kind::scale && f.replicas >= 4;
                  }));
  };
  options.runs = 200;
  const auto result = troupe::harness::search(base, options);
  ASSERT_TRUE(result.found);
  ASSERT_EQ(result.shrunk.faults.size(), 1u);
  EXPECT_EQ(result.shrunk.faults[0].kind, fault_kind::scale);
  EXPECT_EQ(result.shrunk.faults[0].deployment, "kv");
  EXPECT_EQ(result.shrunk.faults[0].replicas, 4);
  EXPECT_EQ(result.shrunk.faults[0].at_ns, base.generator->window_start_ns)
      << "moved to the window's start";
}

}  // namespace
