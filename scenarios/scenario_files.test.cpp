// Goal: every scenario file in scenarios/ loads with the harness's scenario loader, and runs
// as it promises with the runner `troupe run` and `troupe check` use: files of a correct mode
// pass their properties on their own seed and the next few; files that switch a bug on fail
// on at least one of the first seeds; cluster files (`cluster-*.json`) check membership and,
// where they run a singleton, see it run.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "troupe/harness/runner.hpp"
#include "troupe/scenario/scenario.hpp"

namespace {

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(TROUPE_SCENARIOS_DIR))
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

bool has_property(const troupe::scenario::scenario& s, const std::string& name) {
  return std::find(s.properties.begin(), s.properties.end(), name) != s.properties.end();
}

/// Starts of the singleton in a run's trace lines.
int singleton_starts(const std::vector<std::string>& lines) {
  int starts = 0;
  for (const auto& line : lines)
    starts += line.find("\"ev\":\"singleton\"") != std::string::npos &&
              line.find("\"state\":\"started\"") != std::string::npos;
  return starts;
}

void check_file(const std::string& file) {
  auto loaded = troupe::scenario::load_scenario_file(file);
  ASSERT_TRUE(std::holds_alternative<troupe::scenario::scenario>(loaded))
      << file << ": " << std::get<troupe::scenario::load_error>(loaded).describe();
  auto s = std::get<troupe::scenario::scenario>(loaded);
  const bool buggy = s.app_options.value("bug", "none") != "none";
  const bool cluster_file = s.name.rfind("cluster-", 0) == 0;
  if (cluster_file) {
    ASSERT_TRUE(s.cluster.has_value()) << file << ": a cluster file without a cluster";
    EXPECT_TRUE(has_property(s, "membership_converges")) << file;
  }
  const int seeds = buggy ? 20 : 3;
  int failed = 0;
  std::size_t ok = 0;
  const std::uint64_t first = s.seed;
  for (std::uint64_t seed = first; seed < first + static_cast<std::uint64_t>(seeds); ++seed) {
    s.seed = seed;
    std::vector<std::string> lines;
    const auto report = troupe::harness::run_scenario(s, {"", &lines});
    ok += report.operations_ok;
    if (s.cluster && s.cluster->singleton) {
      EXPECT_GT(singleton_starts(lines), 0) << file << " seed " << seed << ": the singleton never ran";
    }
    if (report.passed()) continue;
    ++failed;
    std::string why = report.error;
    for (const auto& v : report.verdicts)
      if (!v.ok) why += (why.empty() ? "" : "; ") + v.property + ": " + v.message;
    if (!buggy)
      ADD_FAILURE() << file << " seed " << seed << ": " << why;
    else if (failed == 1)
      std::printf("%s: seed %llu fails: %s\n", s.name.c_str(),
                  static_cast<unsigned long long>(seed), why.c_str());
  }
  if (buggy) {
    EXPECT_GT(failed, 0) << file << ": the bug was not found in " << seeds << " seeds";
  }
  EXPECT_GT(ok, 300u * seeds) << file << ": too few operations completed";
  std::printf("%s: %d of %d seeds failed, %zu ok operations\n", s.name.c_str(), failed, seeds, ok);
}

TEST(scenario_files, load_and_keep_their_promises) {
  const auto files = scenario_files();
  ASSERT_GE(files.size(), 5u);
  for (const auto& file : files)
    if (std::filesystem::path(file).filename().string().rfind("cluster-", 0) != 0) check_file(file);
}

TEST(scenario_files, cluster_files_converge_and_keep_one_singleton) {
  int cluster_files = 0;
  for (const auto& file : scenario_files())
    if (std::filesystem::path(file).filename().string().rfind("cluster-", 0) == 0) {
      ++cluster_files;
      check_file(file);
    }
  EXPECT_GE(cluster_files, 5);
}

}  // namespace
