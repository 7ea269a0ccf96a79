#pragma once
/// Durations written with units ("250ms", "5s", "2m"), as in scenario files and on the
/// command line (DESIGN.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::sim {

/// Parses "<integer or decimal><unit>" with unit ns, us, ms, s, m or h, or a bare integer
/// of nanoseconds. Returns nothing for anything else (negative values included).
std::optional<std::int64_t> parse_duration_ns(std::string_view text);

/// Renders nanoseconds with the largest unit that keeps it exact ("1500ms", "2s").
std::string format_duration(std::int64_t ns);

}  // namespace troupe::sim
