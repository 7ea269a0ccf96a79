#pragma once
/// \file linearizability.hpp
/// Linearizability of a history against a `model` (docs/checkers.md, "linearizable"): a
/// Wing & Gong search with Lowe's memoization of (linearized set, state), run for each key
/// on its own (P-compositionality). `fail` operations are left out; `info` operations may or
/// may not have taken effect and stay concurrent with everything after their invoke. On a
/// violation, the smallest failing window of operations is found and reported.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "troupe/checkers/history.hpp"
#include "troupe/checkers/model.hpp"
#include "troupe/checkers/result.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// What a check concluded.
enum class check_status {
  holds,     ///< the property holds on the whole input.
  violated,  ///< a counterexample was found.
  unknown,   ///< a budget ran out before the checker could decide.
};

/// "holds", "violated" or "unknown".
[[nodiscard]] const char* to_string(check_status status);

/// Bounds on the search. Each search step applies one operation to one state; the memo
/// table holds at most one entry per step, so the step budget also bounds memory (an entry
/// is a 128-bit fingerprint, about 40 bytes with the hash table's overhead).
struct linearizability_options {
  /// Steps allowed for the search of one key before it is `unknown`.
  std::uint64_t step_budget_per_key = 5'000'000;
  /// Wall-clock bound on the whole check, 0 for none. A time budget makes the outcome
  /// depend on the machine, so deterministic runs leave it at 0 and use steps.
  std::chrono::milliseconds time_budget{0};
  /// Find the smallest failing window of a violated key.
  bool find_window = true;
  /// Steps allowed for finding the window, over all the searches it runs.
  std::uint64_t window_step_budget = 5'000'000;
};

/// The outcome for one key.
struct key_result {
  std::string key;
  check_status status = check_status::holds;
  std::size_t operations =
      0;  ///< operations searched (fail ops, info reads, unobservable info ops left out).
  std::uint64_t steps = 0;  ///< search steps spent.
};

/// A contiguous-in-time set of one key's operations that is already not linearizable.
struct failing_window {
  std::string key;
  /// The window's operations in invoke order, as they are in the trace. Those still running
  /// at `start_seq` or at `at_seq` were checked as pending: reads left out, other operations
  /// free to take effect or not.
  std::vector<operation> operations;
  /// The invoke event where the window starts; operations that completed before it are
  /// left out.
  std::uint64_t start_seq = 0;
  /// The completion event at which the key's history first became non-linearizable.
  std::uint64_t at_seq = 0;
  /// True when the window was checked from "any state" because it does not start at the
  /// key's first operation; false when it starts from the model's initial state.
  bool from_any_state = false;
  /// True when the window search finished; false when its budget ran out and the window
  /// is the smallest found so far.
  bool minimal = true;
};

/// The outcome of a linearizability check.
struct linearizability_report {
  check_status status = check_status::holds;
  std::vector<key_result> keys;          ///< one per key, sorted by key.
  std::optional<failing_window> window;  ///< set when violated.
  std::uint64_t steps = 0;               ///< search steps over all keys and the window search.
};

/// Checks `operations` against `object` key by key. Returns an error (naming the op id and
/// its invoke seq) when an operation is not one `object` knows. Any thread may call it.
[[nodiscard]] result<linearizability_report> check_linearizable(
    const history& operations, const model& object, const linearizability_options& options = {});

/// A multi-line human rendering: the status, the keys, and the failing window if any.
[[nodiscard]] std::string render(const linearizability_report& report);

/// The verdict for property "linearizable".
[[nodiscard]] verdict to_verdict(const linearizability_report& report);

}  // namespace troupe::checkers
