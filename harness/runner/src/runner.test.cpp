// Goal: the main job works as a user runs it: a correct scenario passes its properties with
// real work done, a run is reproducible from its seed, the search finds the kv bug, shrinks
// it, and the replay reproduces the same trace every time.

#include <gtest/gtest.h>

#include "troupe/harness/runner.hpp"
#include "troupe/harness/search.hpp"

namespace {

troupe::scenario::scenario load(const std::string& name) {
  auto loaded = troupe::scenario::load_scenario_file(std::string(TROUPE_SOURCE_DIR) + "/scenarios/" + name);
  if (auto* e = std::get_if<troupe::scenario::load_error>(&loaded)) ADD_FAILURE() << e->describe();
  return std::get<troupe::scenario::scenario>(loaded);
}

TEST(runner, correct_kv_under_partitions_is_linearizable_and_does_work) {
  const auto s = load("kv-partition.json");
  const auto report = troupe::harness::run_scenario(s);
  EXPECT_TRUE(report.passed()) << report.first_failure();
  EXPECT_EQ(report.verdicts.size(), s.properties.size());
  EXPECT_GT(report.operations_ok, report.operations / 2) << "most operations should succeed";
  EXPECT_GT(report.stats.deliveries, 1000u);
}

TEST(runner, same_seed_same_trace) {
  auto s = load("kv-partition.json");
  EXPECT_EQ(troupe::harness::compare_runs(s), "");
  const auto a = troupe::harness::run_scenario(s).trace_hash;
  s.seed += 1;
  EXPECT_NE(troupe::harness::run_scenario(s).trace_hash, a);
}

TEST(search, finds_shrinks_and_replays_the_kv_bug) {
  auto s = load("kv-buggy.json");
  troupe::harness::search_options options;
  options.first_seed = s.seed;  // as `troupe check` does; the bug shows within the first few dozen
  options.runs = 60;
  options.jobs = 2;
  options.max_shrink_runs = 40;  // enough to show progress; `troupe check` shrinks fully
  const auto result = troupe::harness::search(s, options);
  ASSERT_TRUE(result.found);
  EXPECT_FALSE(result.shrunk_report.passed());
  EXPECT_LE(result.size_after.faults, result.size_before.faults);
  EXPECT_LE(result.size_after.fault_time_ns, result.size_before.fault_time_ns);
  // The replay (the shrunk scenario with its seed) reproduces the failure, bit for bit.
  for (int i = 0; i < 10; ++i) {
    const auto replay = troupe::harness::run_scenario(result.shrunk);
    EXPECT_EQ(replay.trace_hash, result.shrunk_report.trace_hash);
    EXPECT_EQ(replay.first_failure(), result.shrunk_report.first_failure());
  }
}

TEST(search, finds_nothing_in_the_correct_kv) {
  auto s = load("kv-partition.json");
  troupe::harness::search_options options;
  options.runs = 16;
  options.jobs = 2;
  const auto result = troupe::harness::search(s, options);
  EXPECT_FALSE(result.found) << result.original_report.first_failure() << " with seed " << result.original.seed;
  EXPECT_EQ(result.runs, 16u);
}

}  // namespace
