#pragma once
/// \file verdict.hpp
/// The result of checking one property, as written in a trace's `verdict` event.

#include <cstdint>
#include <optional>
#include <string>

namespace troupe::checkers {

/// One property's result. `ok` is false when the property failed and also when the checker
/// could not decide (a budget ran out, the trace is too short): a check that did not finish
/// is not a pass, and `message` then starts with "unknown:".
struct verdict {
  std::string property;  ///< e.g. "linearizable".
  bool ok = true;
  std::string message;                  ///< one line for humans; "" is allowed when ok.
  std::optional<std::uint64_t> at_seq;  ///< `seq` of the event where the failure was seen.
};

/// Renders `result` as a trace `verdict` event line (no trailing '\n') with the given `seq`
/// and virtual time `t` (nanoseconds), `pod` "", and `at_seq` only when present.
[[nodiscard]] std::string to_trace_line(const verdict& result, std::uint64_t seq, std::int64_t t);

}  // namespace troupe::checkers
