#pragma once
/// Times and durations written with units, as in scenario files and on the command line.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::trace_model {

/// Parses "250ms", "5s", "2m", "1h", "40us", "7ns", "1.5s" or a bare integer of nanoseconds.
/// Returns nullopt for anything else, for negative values and on overflow.
[[nodiscard]] std::optional<std::int64_t> parse_duration_ns(std::string_view text);

/// Renders nanoseconds for a human with a unit that keeps 3-4 significant digits:
/// "0 ns", "250 us", "1.250 s", "2 m 5.000 s".
[[nodiscard]] std::string format_duration(std::int64_t ns);

}  // namespace troupe::trace_model
