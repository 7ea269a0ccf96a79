#include "troupe/simnet/duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace troupe::sim {

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  const std::string number(text.substr(0, i));
  if (number.find('.') != number.rfind('.') || number == ".") return std::nullopt;
  const std::string_view unit = text.substr(i);
  double scale;
  if (unit.empty() || unit == "ns") scale = 1;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s") scale = 1e9;
  else if (unit == "m") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else return std::nullopt;
  if (unit.empty() && number.find('.') != std::string::npos) return std::nullopt;
  const double value = std::strtod(number.c_str(), nullptr) * scale;
  if (!std::isfinite(value) || value > 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(value));
}

std::string format_duration(std::int64_t ns) {
  struct unit {
    std::int64_t size;
    const char* name;
  };
  static constexpr unit units[] = {{3'600'000'000'000, "h"}, {60'000'000'000, "m"},
                                   {1'000'000'000, "s"},     {1'000'000, "ms"},
                                   {1'000, "us"}};
  if (ns == 0) return "0s";
  for (const auto& u : units)
    if (ns % u.size == 0) return std::to_string(ns / u.size) + u.name;
  return std::to_string(ns) + "ns";
}

}  // namespace troupe::sim
