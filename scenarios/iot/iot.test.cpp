// Goal: the device registry keeps each device's last reading linearizable and loses no
// acknowledged reading under partitions, pauses and message loss, and under kills too when
// durable (the default); in memory a kill loses the pod's devices, as documented. Devices
// spread over the pods.

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

std::unique_ptr<troupe::apps::application> make_iot(bool durable) {
  std::string error;
  auto app = troupe::apps::iot::make({{"durable", durable}}, error);
  EXPECT_NE(app, nullptr) << error;
  return app;
}

// Partitions and pauses only: the faults the in-memory registry survives.
std::vector<troupe::sim::fault> partitions_and_pauses(std::uint64_t seed) {
  auto schedule = troupe::apps::testing::random_faults(seed, "iot", 3, 3, 500 * ms, 8 * s);
  for (auto& f : schedule) {
    if (f.kind == troupe::sim::fault_kind::kill) f.kind = troupe::sim::fault_kind::pause;
    if (f.kind == troupe::sim::fault_kind::restart) f.kind = troupe::sim::fault_kind::resume;
  }
  return schedule;
}

int run_seeds(troupe::apps::application& app, bool with_kills) {
  int ok = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto config = base(seed);
    if (seed % 3 == 0) {
      config.network.loss = 0.02;
      config.network.duplicate = 0.02;
      config.network.reorder = true;
    }
    config.faults = with_kills
                        ? troupe::apps::testing::random_faults(seed, "iot", 3, 3, 500 * ms, 8 * s)
                        : partitions_and_pauses(seed);
    auto outcome = troupe::apps::testing::run(app, config);
    EXPECT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.failures.begin()->first
                                  << ": " << outcome.failures.begin()->second;
    if (!outcome.passed()) break;
    EXPECT_GT(outcome.ok(), 150) << "seed " << seed;
    ok += outcome.ok();
  }
  return ok;
}

TEST(iot, durable_registry_is_safe_under_partitions_kills_pauses_and_loss_on_many_seeds) {
  auto app = make_iot(true);
  std::printf("iot durable, 50 seeds with kills: %d ok operations\n", run_seeds(*app, true));
}

TEST(iot, memory_registry_is_safe_under_partitions_pauses_and_loss_on_many_seeds) {
  auto app = make_iot(false);
  std::printf("iot in memory, 50 seeds without kills: %d ok operations\n", run_seeds(*app, false));
}

TEST(iot, a_killed_home_pod_keeps_its_devices_only_when_durable) {
  std::vector<troupe::sim::fault> kill_restart = {
      {.at_ns = 3 * s, .kind = troupe::sim::fault_kind::kill, .pod = "iot-0"},
      {.at_ns = 4 * s, .kind = troupe::sim::fault_kind::restart, .pod = "iot-0"}};
  auto config = base(3);
  config.faults = kill_restart;
  auto durable = troupe::apps::testing::run(*make_iot(true), config);
  EXPECT_TRUE(durable.passed()) << durable.failures.begin()->second;
  auto memory = troupe::apps::testing::run(*make_iot(false), config);
  EXPECT_TRUE(memory.failures.count("no_lost_acknowledged_writes"))
      << "readings in memory should be lost with the pod";
}

TEST(iot, devices_spread_over_the_pods) {
  std::set<std::size_t> homes;
  for (int i = 0; i < 6; ++i) homes.insert(troupe::apps::iot::home_of("d" + std::to_string(i), 3));
  EXPECT_EQ(homes.size(), 3u);
}

}  // namespace
