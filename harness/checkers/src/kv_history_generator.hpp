#pragma once
// Generates kv histories that are linearizable by construction, for the checkers' tests and
// troupe-check-bench (internal to harness/checkers). A history comes from a sequential
// execution: each operation takes effect at one instant strictly inside its interval.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "troupe/checkers/history.hpp"

namespace troupe::checkers::generator {

enum class op_kind { read, write, cas };

// One operation to generate. Times are abstract integer ticks.
struct op_spec {
  int client = 0;  // taken modulo the client count
  int key = 0;     // taken modulo the key count
  op_kind kind = op_kind::read;
  bool cas_expects_current = true;  // a cas expecting the current value succeeds
  std::int64_t gap = 1;             // ticks from the client's previous completion to invoke
  std::int64_t effect_delay = 1;    // ticks from invoke to the instant it takes effect
  std::int64_t return_delay = 1;    // ticks from the effect to the completion (info: timeout)
  bool info = false;                // the client never learns the outcome
  bool info_takes_effect = false;   // for info ops: whether it took effect
};

// Builds the history of `specs` run by `clients` clients on `keys` keys ("k0", "k1", ...).
// Write and cas values are unique across the history. Every event gets a seq (info ops'
// completions too, though the history records them as never completing) and t = ticks.
[[nodiscard]] history generate(const std::vector<op_spec>& specs, int clients, int keys);

// `count` random specs from `seed` (splitmix64): reads 50%, writes 30%, cas 20%; delays of
// 1..10 ticks; `info_per_mille` of the operations are info.
[[nodiscard]] std::vector<op_spec> random_specs(std::uint64_t seed, std::size_t count, int clients,
                                                int keys, int info_per_mille);

// Makes one ok read return a value that a later acknowledged write had overwritten before
// the read began: the history is then certainly not linearizable and loses a write.
// `choice` picks among the candidate reads. Returns the read's op id, or nullopt when the
// history has no candidate.
[[nodiscard]] std::optional<std::uint64_t> inject_stale_read(history& operations,
                                                             std::uint64_t choice);

// The trace lines (header first) that record `operations`, for reader round trips.
[[nodiscard]] std::vector<std::string> to_trace_lines(const history& operations);

}  // namespace troupe::checkers::generator
