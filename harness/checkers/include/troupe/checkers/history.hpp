#pragma once
/// \file history.hpp
/// The client-operation history read from a trace's `op` events (docs/trace-format.md).

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace troupe::checkers {

/// How an operation ended.
enum class outcome {
  ok,    ///< completed; for a read, `output` holds the value read.
  fail,  ///< certainly did not take effect.
  info,  ///< unknown: may or may not have taken effect (also: no completion in the trace).
};

/// "ok", "fail" or "info".
[[nodiscard]] const char* to_string(outcome value);

/// `seq` used for the completion of an operation that never completes (`info`).
inline constexpr std::uint64_t never_seq = std::numeric_limits<std::uint64_t>::max();

/// One client operation: its invoke event paired with its completion event by `op` id.
struct operation {
  std::uint64_t id = 0;     ///< the trace's `op` field, unique in the trace.
  std::int64_t client = 0;  ///< the trace's `client` field.
  std::string pod;          ///< pod of the invoke event.
  std::string f;            ///< application-defined function name, e.g. "read".
  std::string key;          ///< the key the operation touches (per-key partitioning).
  nlohmann::json input;     ///< `value` of the invoke event (null when absent).
  nlohmann::json output;    ///< `value` of the completion event (null for info).
  outcome result = outcome::info;
  std::uint64_t invoke_seq = 0;
  std::int64_t invoke_t = 0;               ///< nanoseconds, as in the trace.
  std::uint64_t complete_seq = never_seq;  ///< `never_seq` for info operations.
  std::int64_t complete_t = std::numeric_limits<std::int64_t>::max();

  /// True when this operation completed before `other` was invoked (real-time order).
  /// The order is the trace's `seq` order: a trace records events in the order observed.
  [[nodiscard]] bool precedes(const operation& other) const {
    return complete_seq < other.invoke_seq;
  }
};

/// "client 3 op 41 write k1 7 -> ok [seq 20..31]": one line for humans.
[[nodiscard]] std::string describe(const operation& op);

/// All operations of a trace, in invoke order (ascending `invoke_seq`).
using history = std::vector<operation>;

}  // namespace troupe::checkers
