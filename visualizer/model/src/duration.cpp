#include "troupe/trace_model/duration.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace troupe::trace_model {

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t digits_end = 0;
  while (digits_end < text.size() &&
         ((text[digits_end] >= '0' && text[digits_end] <= '9') || text[digits_end] == '.')) {
    ++digits_end;
  }
  if (digits_end == 0) return std::nullopt;
  const std::string_view number = text.substr(0, digits_end);
  const std::string_view unit = text.substr(digits_end);
  double scale = 0;
  if (unit.empty() || unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else {
    return std::nullopt;
  }
  if (number.find('.') == std::string_view::npos) {
    std::int64_t whole = 0;
    const auto result = std::from_chars(number.data(), number.data() + number.size(), whole);
    if (result.ec != std::errc() || result.ptr != number.data() + number.size()) {
      return std::nullopt;
    }
    const auto factor = static_cast<std::int64_t>(scale);
    if (whole > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
    return whole * factor;
  }
  double value = 0;
  const auto result = std::from_chars(number.data(), number.data() + number.size(), value);
  if (result.ec != std::errc() || result.ptr != number.data() + number.size()) {
    return std::nullopt;
  }
  const double ns = std::round(value * scale);
  if (!(ns >= 0) || ns > 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(ns);
}

std::string format_duration(std::int64_t ns) {
  char buffer[64];
  const bool negative = ns < 0;
  const double magnitude = std::fabs(static_cast<double>(ns));
  const char* sign = negative ? "-" : "";
  if (magnitude < 1e3) {
    std::snprintf(buffer, sizeof buffer, "%s%.0f ns", sign, magnitude);
  } else if (magnitude < 1e6) {
    std::snprintf(buffer, sizeof buffer, "%s%.3f us", sign, magnitude / 1e3);
  } else if (magnitude < 1e9) {
    std::snprintf(buffer, sizeof buffer, "%s%.3f ms", sign, magnitude / 1e6);
  } else if (magnitude < 60e9) {
    std::snprintf(buffer, sizeof buffer, "%s%.3f s", sign, magnitude / 1e9);
  } else {
    const double minutes = std::floor(magnitude / 60e9);
    std::snprintf(buffer, sizeof buffer, "%s%.0f m %.3f s", sign, minutes,
                  (magnitude - minutes * 60e9) / 1e9);
  }
  return buffer;
}

}  // namespace troupe::trace_model
