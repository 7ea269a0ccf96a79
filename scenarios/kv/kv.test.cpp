// Goal: the kv store's correct mode stays linearizable and loses no acknowledged write
// under partitions, kills with restarts (memory lost), pauses and message loss, while still
// completing most operations; each bug option is caught by the checkers on some seed.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "kv/kv_application.hpp"
#include "testing/sim_run.hpp"

namespace {

using troupe::apps::testing::run;
using troupe::apps::testing::run_config;
using troupe::sim::fault;
using troupe::sim::fault_kind;

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000 * ms;

run_config base(const std::string& name, std::uint64_t seed) {
  run_config c;
  c.scenario = name;
  c.seed = seed;
  c.server_deployment = "kv";
  c.servers = 3;
  c.load.clients = 3;
  c.load.rate_per_s = 20;
  c.load.keys = 3;
  c.load.timeout_ns = 500 * ms;
  c.load.stop_ns = 9 * s;
  c.network.delay_ns_min = 1 * ms;
  c.network.delay_ns_max = 5 * ms;
  c.duration_ns = 10 * s;
  return c;
}

std::unique_ptr<troupe::apps::application> make_kv(const std::string& bug) {
  std::string error;
  auto app = troupe::apps::kv::make({{"bug", bug}}, error);
  EXPECT_NE(app, nullptr) << error;
  return app;
}

TEST(kv, without_faults_every_operation_completes_and_is_linearizable) {
  auto app = make_kv("none");
  auto outcome = run(*app, base("kv-calm", 1));
  EXPECT_TRUE(outcome.passed()) << outcome.failures.begin()->second;
  EXPECT_GT(outcome.ok(), 400);
  EXPECT_EQ(outcome.phases["info"], 0);
}

TEST(kv, correct_mode_is_safe_under_random_faults_on_many_seeds) {
  auto app = make_kv("none");
  int ok = 0, info = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto config = base("kv-faults", seed);
    if (seed % 5 == 0) {
      config.network.loss = 0.02;
      config.network.duplicate = 0.02;
      config.network.reorder = true;
    }
    config.faults = troupe::apps::testing::random_faults(seed, "kv", 3, 3, 500 * ms, 8 * s);
    auto outcome = run(*app, config);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.failures.begin()->first
                                  << ": " << outcome.failures.begin()->second << " (trace "
                                  << outcome.trace_path << ")";
    EXPECT_GT(outcome.ok(), 100) << "seed " << seed << " completed too little";
    ok += outcome.ok();
    info += outcome.phases["info"];
  }
  std::printf("kv correct mode, 50 seeds: %d ok, %d info operations\n", ok, info);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(kv, the_same_seed_gives_the_same_trace) {
  auto app = make_kv("none");
  auto config = base("kv-determinism", 11);
  config.faults = troupe::apps::testing::random_faults(11, "kv", 3, 3, 500 * ms, 8 * s);
  config.network.loss = 0.02;
  config.keep_trace = true;
  auto first = run(*app, config);
  const std::string first_trace = read_file(first.trace_path);
  auto second = run(*app, config);
  EXPECT_FALSE(first_trace.empty());
  EXPECT_TRUE(first_trace == read_file(second.trace_path)) << "traces differ for seed 11";
  std::remove(first.trace_path.c_str());
}

TEST(kv, a_restarted_primary_recovers_acknowledged_writes) {
  auto app = make_kv("none");
  auto config = base("kv-primary-restart", 7);
  fault kill{.at_ns = 3 * s, .kind = fault_kind::kill, .pod = "kv-0"};
  fault restart{.at_ns = 4 * s, .kind = fault_kind::restart, .pod = "kv-0"};
  config.faults = {kill, restart};
  auto outcome = run(*app, config);
  EXPECT_TRUE(outcome.passed()) << outcome.failures.begin()->second;
  EXPECT_GT(outcome.ok(), 300);
}

// A schedule that exposes an acknowledgement given too early: the primary is cut off with
// the clients, then killed (losing what only it had), then everything heals.
std::vector<fault> isolate_then_kill_primary(std::uint64_t seed) {
  troupe::random_generator random(seed);
  const std::int64_t cut = 1 * s + static_cast<std::int64_t>(random.next() % (3 * s));
  const std::int64_t kill_at = cut + 200 * ms + static_cast<std::int64_t>(random.next() % s);
  fault partition{.at_ns = cut, .kind = fault_kind::partition};
  partition.groups = {{"kv-0", "client-0"}, {"kv-1", "kv-2"}};
  fault kill{.at_ns = kill_at, .kind = fault_kind::kill, .pod = "kv-0"};
  fault heal{.at_ns = kill_at + 300 * ms, .kind = fault_kind::heal};
  fault restart{.at_ns = kill_at + 500 * ms, .kind = fault_kind::restart, .pod = "kv-0"};
  return {partition, kill, heal, restart};
}

// Kills of the primary, each followed by a restart; no other fault.
std::vector<fault> kill_primary_repeatedly(std::uint64_t seed) {
  troupe::random_generator random(seed);
  std::vector<fault> schedule;
  for (std::int64_t at = 1 * s; at < 7 * s; at += 2 * s) {
    const std::int64_t kill_at = at + static_cast<std::int64_t>(random.next() % s);
    schedule.push_back({.at_ns = kill_at, .kind = fault_kind::kill, .pod = "kv-0"});
    schedule.push_back({.at_ns = kill_at + 500 * ms, .kind = fault_kind::restart, .pod = "kv-0"});
  }
  return schedule;
}

enum class schedule { none, random, isolate_then_kill, kills_only };

std::vector<fault> faults_of(schedule kind, std::uint64_t seed) {
  switch (kind) {
    case schedule::none:
      return {};
    case schedule::random:
      return troupe::apps::testing::random_faults(seed, "kv", 3, 3, 500 * ms, 8 * s);
    case schedule::isolate_then_kill:
      return isolate_then_kill_primary(seed);
    case schedule::kills_only:
      return kill_primary_repeatedly(seed);
  }
  return {};
}

int failing_seeds(const std::string& bug, int seeds, schedule kind) {
  auto app = make_kv(bug);
  int failed = 0;
  for (std::uint64_t seed = 1; seed <= static_cast<std::uint64_t>(seeds); ++seed) {
    auto config = base("kv-" + bug, seed);
    config.faults = faults_of(kind, seed);
    auto outcome = run(*app, config);
    if (!outcome.passed()) {
      if (failed == 0) {
        std::printf("bug %s: seed %llu fails %s: %s\n", bug.c_str(),
                    static_cast<unsigned long long>(seed), outcome.failures.begin()->first.c_str(),
                    outcome.failures.begin()->second.c_str());
      }
      ++failed;
    }
  }
  std::printf("bug %s: %d of %d seeds fail\n", bug.c_str(), failed, seeds);
  return failed;
}

TEST(kv, ack_before_majority_loses_acknowledged_writes) {
  EXPECT_GT(failing_seeds("ack_before_majority", 10, schedule::isolate_then_kill), 0);
}

TEST(kv, ack_before_majority_is_found_by_kills_alone) {
  EXPECT_GT(failing_seeds("ack_before_majority", 20, schedule::kills_only), 0);
}

TEST(kv, stale_reads_are_found) {
  EXPECT_GT(failing_seeds("stale_reads", 10, schedule::random), 0);
}

TEST(kv, stale_reads_hide_without_faults) {
  // Replication takes milliseconds and clients pause tens of them between operations, so a
  // lagging follower is only seen when a fault makes it lag: the checkers need the faults.
  EXPECT_EQ(failing_seeds("stale_reads", 10, schedule::none), 0);
}

TEST(kv, correct_mode_survives_the_schedules_that_break_ack_before_majority) {
  EXPECT_EQ(failing_seeds("none", 10, schedule::isolate_then_kill), 0);
  EXPECT_EQ(failing_seeds("none", 20, schedule::kills_only), 0);
}

}  // namespace
