#pragma once
/// Checks a scenario's properties on a merged real-run trace (`troupe pods`, `troupe k8s`)
/// with the same checkers and options as `troupe run`, and appends the `verdict` events.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/scenario/scenario.hpp"

namespace troupe::pods {

struct property_result {
  std::string property;
  bool ok = false;
  std::string message;
};

struct checked_trace {
  std::vector<property_result> verdicts;  ///< in the scenario's order
  std::size_t operations = 0;             ///< client operations invoked
  std::size_t operations_ok = 0;          ///< ... that completed ok
  std::string error;  ///< the trace could not be read; then there are no verdicts
};

/// Checks `s.properties` on `lines` (header first) and appends one verdict event per
/// property at time `end_ns`.
[[nodiscard]] checked_trace check_trace(const scenario::scenario& s, std::vector<std::string>& lines,
                                        std::int64_t end_ns);

}  // namespace troupe::pods
