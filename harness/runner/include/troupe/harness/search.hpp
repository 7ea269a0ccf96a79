#pragma once
/// Property-based search for failures (`troupe check`): generates fault schedules and
/// workloads with RapidCheck's generators, runs them, and shrinks the first failure with
/// RapidCheck's integrated shrinking until no smaller failing case exists.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "troupe/harness/runner.hpp"
#include "troupe/scenario/scenario.hpp"

namespace troupe::harness {

struct search_options {
  std::uint64_t first_seed = 1;
  std::uint64_t runs = 100;    ///< attempts at most
  double time_budget_s = 0;    ///< stop searching after this long (0: no limit)
  unsigned jobs = 1;           ///< runs in parallel
  std::uint64_t shard_index = 0;  ///< this shard of `shard_count` takes every shard_count-th seed
  std::uint64_t shard_count = 1;
  std::uint64_t max_shrink_runs = 2000;
  /// Called from the searching thread after every run (runs so far, failures, seconds).
  std::function<void(std::uint64_t runs, std::uint64_t failures, double seconds)> on_progress;
  std::function<void(std::uint64_t shrink_runs, std::size_t faults)> on_shrink_step;
  /// Runs one case and judges it; empty: run_scenario. Called from several threads at once
  /// when `jobs` > 1. Tests pass a stand-in to check the search and shrinking without
  /// simulating.
  std::function<run_report(const scenario::scenario&)> run;
};

/// The size of a case, to report how much shrinking removed.
struct case_size {
  std::size_t faults = 0;
  int clients = 0;
  std::int64_t fault_time_ns = 0;  ///< total time faults are active
};

struct search_result {
  std::uint64_t runs = 0;
  double seconds = 0;
  bool found = false;
  double seconds_to_failure = 0;
  scenario::scenario original;  ///< the first failing case, as run
  run_report original_report;
  scenario::scenario shrunk;    ///< the smallest failing case found
  run_report shrunk_report;
  std::uint64_t shrink_runs = 0;
  std::uint64_t shrink_steps = 0;
  double shrink_seconds = 0;
  case_size size_before, size_after;
};

/// Searches for a failing case of `base` (its generator decides the faults; without one,
/// only seeds vary).
search_result search(const scenario::scenario& base, const search_options& options);

case_size size_of(const scenario::scenario& s);

}  // namespace troupe::harness
