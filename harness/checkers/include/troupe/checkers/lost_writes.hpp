#pragma once
/// \file lost_writes.hpp
/// "no_lost_acknowledged_writes" for the kv application (docs/checkers.md): no read that
/// starts after a write was acknowledged observes a value that this write overwrote.
/// Cheaper than linearizability and never undecided; it finds the most common data-loss
/// bugs (a write acknowledged before it is durable or replicated, a stale replica read).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "troupe/checkers/history.hpp"
#include "troupe/checkers/result.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// One offending read.
struct lost_write {
  std::string key;
  operation acknowledged;  ///< the ok write or cas the read should have seen (or newer).
  operation read;          ///< the ok read that returned an older value.
  /// The latest write of the value read, which completed before `acknowledged` began;
  /// nullopt when the read returned null (missing), the key's initial state.
  std::optional<operation> overwritten;
};

/// Every offending read, at most one entry per read, in the order of the reads' invokes.
struct lost_writes_report {
  std::vector<lost_write> violations;
};

/// Checks the kv operations (`read`, `write`, `cas`) of `operations`; other functions are
/// ignored. Returns an error naming the op when a kv operation's value is malformed.
/// Values are compared as written; the check is exact when each write writes a value no
/// other write of the key writes (as the harness's workloads do). Any thread may call it.
[[nodiscard]] result<lost_writes_report> check_no_lost_acknowledged_writes(
    const history& operations);

/// The verdict for property "no_lost_acknowledged_writes": the first offending read.
[[nodiscard]] verdict to_verdict(const lost_writes_report& report);

}  // namespace troupe::checkers
