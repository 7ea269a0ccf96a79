#pragma once
/// Runs one scenario in the simulator with one seed and checks its properties on the trace.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "troupe/scenario/scenario.hpp"
#include "troupe/simnet/simulation.hpp"

namespace troupe::harness {

struct run_options {
  std::string trace_path;  ///< where to write the trace; empty: no file
  std::vector<std::string>* lines = nullptr;  ///< receives the trace's lines when set
};

/// The outcome of checking one property on a run's trace.
struct property_verdict {
  std::string property;
  bool ok = false;
  std::string message;
  std::optional<std::uint64_t> at_seq;  ///< the trace event where it was first seen to fail
};

/// What one run did and whether its properties held.
struct run_report {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  sim::simulation_stats stats;
  std::size_t operations = 0;     ///< client operations invoked
  std::size_t operations_ok = 0;  ///< ... that completed ok
  std::vector<property_verdict> verdicts;
  std::string error;  ///< a problem that kept the run from being checked (then passed() is false)
  double wall_seconds = 0;

  bool passed() const;
  /// The first failing property's name, or "".
  std::string first_failure() const;
};

/// Runs `s` (its seed, faults and workload) and checks its properties. Thread-safe: runs on
/// different threads share nothing.
run_report run_scenario(const scenario::scenario& s, const run_options& options = {});

/// Runs `s` twice and compares the traces. Returns "" when identical, otherwise the first
/// differing line of both runs.
std::string compare_runs(const scenario::scenario& s);

}  // namespace troupe::harness
