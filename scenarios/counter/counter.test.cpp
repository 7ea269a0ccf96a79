// Goal: the sharded, replicated counter stays linearizable (no increment lost, no count
// going back) under partitions, kills with restarts and pauses, while completing most
// operations.

#include <gtest/gtest.h>

#include "counter/counter_application.hpp"
#include "testing/sim_run.hpp"

namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000 * ms;

TEST(counter, correct_mode_is_linearizable_under_random_faults_on_many_seeds) {
  std::string error;
  auto app = troupe::apps::counter::make({{"bug", "none"}}, error);
  ASSERT_NE(app, nullptr) << error;
  int ok = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    troupe::apps::testing::run_config config;
    config.scenario = "counter-faults";
    config.seed = seed;
    config.server_deployment = "counter";
    config.load.clients = 3;
    config.load.rate_per_s = 20;
    config.load.keys = 4;
    config.load.mix = {{"add", 0.6}, {"read", 0.4}};
    config.load.timeout_ns = 500 * ms;
    config.load.stop_ns = 9 * s;
    config.network.delay_ns_min = 1 * ms;
    config.network.delay_ns_max = 5 * ms;
    config.duration_ns = 10 * s;
    config.properties = {"linearizable"};
    config.faults = troupe::apps::testing::random_faults(seed, "counter", 3, 3, 500 * ms, 8 * s);
    auto outcome = troupe::apps::testing::run(*app, config);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.failures.begin()->first
                                  << ": " << outcome.failures.begin()->second;
    EXPECT_GT(outcome.ok(), 100) << "seed " << seed;
    ok += outcome.ok();
  }
  std::printf("counter correct mode, 50 seeds: %d ok operations\n", ok);
}

troupe::apps::testing::run_config long_partition(std::uint64_t seed) {
  troupe::apps::testing::run_config config;
  config.scenario = "counter-long-partition";
  config.seed = seed;
  config.server_deployment = "counter";
  config.load.clients = 3;
  config.load.rate_per_s = 20;
  config.load.keys = 4;
  config.load.mix = {{"add", 0.6}, {"read", 0.4}};
  config.load.timeout_ns = 500 * ms;
  config.load.stop_ns = 19 * s;
  config.network.delay_ns_min = 1 * ms;
  config.network.delay_ns_max = 5 * ms;
  config.duration_ns = 20 * s;
  config.properties = {"linearizable"};
  troupe::sim::fault cut{.at_ns = 2 * s, .kind = troupe::sim::fault_kind::partition};
  cut.groups = {{"counter-0"}, {"counter-1", "counter-2", "client-0"}};
  troupe::sim::fault heal{.at_ns = 14 * s, .kind = troupe::sim::fault_kind::heal};
  config.faults = {cut, heal};
  return config;
}

TEST(counter, a_long_partition_of_a_primary_stays_decidable) {
  std::string error;
  auto app = troupe::apps::counter::make({{"bug", "none"}}, error);
  auto outcome = troupe::apps::testing::run(*app, long_partition(5));
  EXPECT_TRUE(outcome.passed()) << outcome.failures.begin()->second;
  std::printf("counter, 12 s partition of a primary: %d ok, %d info\n", outcome.ok(),
              outcome.phases["info"]);
}

TEST(counter, ack_before_majority_loses_increments) {
  std::string error;
  auto app = troupe::apps::counter::make({{"bug", "ack_before_majority"}}, error);
  ASSERT_NE(app, nullptr) << error;
  int failed = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto config = long_partition(seed);
    // Kill and restart each pod in turn: every shard's primary loses its unreplicated adds.
    config.faults.clear();
    for (int pod = 0; pod < 3; ++pod) {
      const std::int64_t at = (2 + 3 * pod) * s + static_cast<std::int64_t>(seed * 37 * ms);
      const std::string name = "counter-" + std::to_string(pod);
      config.faults.push_back({.at_ns = at, .kind = troupe::sim::fault_kind::kill, .pod = name});
      config.faults.push_back(
          {.at_ns = at + 500 * ms, .kind = troupe::sim::fault_kind::restart, .pod = name});
    }
    auto outcome = troupe::apps::testing::run(*app, config);
    if (!outcome.passed() && failed++ == 0)
      std::printf("counter ack_before_majority: seed %llu fails %s: %s\n",
                  static_cast<unsigned long long>(seed), outcome.failures.begin()->first.c_str(),
                  outcome.failures.begin()->second.c_str());
  }
  std::printf("counter ack_before_majority: %d of 20 seeds fail\n", failed);
  EXPECT_GT(failed, 0);
}

TEST(counter, shards_spread_over_the_servers) {
  std::set<std::size_t> used;
  for (int i = 0; i < 8; ++i)
    used.insert(troupe::apps::counter::shard_of("c" + std::to_string(i), 3));
  EXPECT_EQ(used.size(), 3u);
}

}  // namespace
