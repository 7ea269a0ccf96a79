// Goal: every scenario file in scenarios/ loads with the harness's scenario loader, and runs
// as it promises: files of a correct mode pass their properties on their own seed and the
// next few; files that switch a bug on fail on at least one of the first seeds.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "testing/sim_run.hpp"
#include "troupe/scenario/scenario.hpp"

namespace {

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(TROUPE_SCENARIOS_DIR))
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

troupe::apps::testing::run_config to_run_config(const troupe::scenario::scenario& s,
                                                std::uint64_t seed) {
  troupe::apps::testing::run_config config;
  config.scenario = s.name;
  config.seed = seed;
  for (const auto& d : s.deployments) {
    if (d.role == "client") {
      config.client_deployment = d.name;
      config.client_pods = d.replicas;
    } else {
      config.server_deployment = d.name;
      config.servers = d.replicas;
    }
  }
  config.load = s.workload;
  config.network = s.network;
  config.faults = s.faults;
  config.duration_ns = s.duration_ns;
  config.properties = s.properties;
  return config;
}

TEST(scenario_files, load_and_keep_their_promises) {
  const auto files = scenario_files();
  ASSERT_GE(files.size(), 5u);
  for (const auto& file : files) {
    auto loaded = troupe::scenario::load_scenario_file(file);
    ASSERT_TRUE(std::holds_alternative<troupe::scenario::scenario>(loaded))
        << file << ": " << std::get<troupe::scenario::load_error>(loaded).describe();
    const auto& s = std::get<troupe::scenario::scenario>(loaded);
    std::string error;
    auto app = troupe::apps::make_application(s.app, s.app_options, error);
    ASSERT_NE(app, nullptr) << file << ": " << error;
    const bool buggy = s.app_options.value("bug", "none") != "none";
    int failed = 0, seeds = buggy ? 20 : 3, ok = 0;
    for (std::uint64_t seed = s.seed; seed < s.seed + static_cast<std::uint64_t>(seeds); ++seed) {
      auto outcome = troupe::apps::testing::run(*app, to_run_config(s, seed));
      ok += outcome.ok();
      if (!outcome.passed()) {
        ++failed;
        if (!buggy)
          ADD_FAILURE() << file << " seed " << seed << ": " << outcome.failures.begin()->first
                        << ": " << outcome.failures.begin()->second;
        else if (failed == 1)
          for (const auto& [property, message] : outcome.failures)
            std::printf("%s: seed %llu fails %s: %s\n", s.name.c_str(),
                        static_cast<unsigned long long>(seed), property.c_str(), message.c_str());
      }
    }
    if (buggy) EXPECT_GT(failed, 0) << file << ": the bug was not found in " << seeds << " seeds";
    EXPECT_GT(ok, 300 * seeds) << file << ": too few operations completed";
    std::printf("%s: %d of %d seeds failed, %d ok operations\n", s.name.c_str(), failed, seeds, ok);
  }
}

}  // namespace
