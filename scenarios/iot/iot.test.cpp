// Goal: the device registry keeps each device's last reading linearizable and loses no
// acknowledged reading under partitions, pauses and message loss (kills lose a pod's
// devices by design, docs/applications.md), and devices spread over the pods.

#include <gtest/gtest.h>

#include "iot/iot_application.hpp"
#include "iot/registry.hpp"
#include "testing/sim_run.hpp"

namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000 * ms;

troupe::apps::testing::run_config base(std::uint64_t seed) {
  troupe::apps::testing::run_config config;
  config.scenario = "iot-devices";
  config.seed = seed;
  config.server_deployment = "iot";
  config.load.clients = 4;
  config.load.rate_per_s = 20;
  config.load.keys = 6;
  config.load.mix = {{"telemetry", 0.7}, {"query", 0.3}};
  config.load.timeout_ns = 500 * ms;
  config.load.stop_ns = 9 * s;
  config.network.delay_ns_min = 1 * ms;
  config.network.delay_ns_max = 5 * ms;
  config.duration_ns = 10 * s;
  return config;
}

// Partitions and pauses only: the faults the registry promises to survive.
std::vector<troupe::sim::fault> partitions_and_pauses(std::uint64_t seed) {
  auto schedule = troupe::apps::testing::random_faults(seed, "iot", 3, 3, 500 * ms, 8 * s);
  std::vector<troupe::sim::fault> kept;
  for (std::size_t i = 0; i + 1 < schedule.size(); i += 2) {
    if (schedule[i].kind == troupe::sim::fault_kind::kill) {
      schedule[i].kind = troupe::sim::fault_kind::pause;
      schedule[i + 1].kind = troupe::sim::fault_kind::resume;
    }
    kept.push_back(schedule[i]);
    kept.push_back(schedule[i + 1]);
  }
  return kept;
}

TEST(iot, registry_is_safe_under_partitions_pauses_and_loss_on_many_seeds) {
  std::string error;
  auto app = troupe::apps::iot::make(nlohmann::json::object(), error);
  ASSERT_NE(app, nullptr) << error;
  int ok = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto config = base(seed);
    config.network.loss = seed % 3 == 0 ? 0.02 : 0.0;
    config.network.duplicate = seed % 4 == 0 ? 0.02 : 0.0;
    config.faults = partitions_and_pauses(seed);
    auto outcome = troupe::apps::testing::run(*app, config);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.failures.begin()->first
                                  << ": " << outcome.failures.begin()->second;
    EXPECT_GT(outcome.ok(), 150) << "seed " << seed;
    ok += outcome.ok();
  }
  std::printf("iot, 50 seeds: %d ok operations\n", ok);
}

TEST(iot, a_killed_home_pod_loses_its_devices_as_documented) {
  std::string error;
  auto app = troupe::apps::iot::make({}, error);
  auto config = base(3);
  config.faults = {{.at_ns = 3 * s, .kind = troupe::sim::fault_kind::kill, .pod = "iot-0"},
                   {.at_ns = 4 * s, .kind = troupe::sim::fault_kind::restart, .pod = "iot-0"}};
  auto outcome = troupe::apps::testing::run(*app, config);
  EXPECT_TRUE(outcome.failures.count("no_lost_acknowledged_writes"))
      << "readings in memory should be lost with the pod";
}

TEST(iot, devices_spread_over_the_pods) {
  std::set<std::size_t> homes;
  for (int i = 0; i < 6; ++i) homes.insert(troupe::apps::iot::home_of("d" + std::to_string(i), 3));
  EXPECT_EQ(homes.size(), 3u);
}

}  // namespace
