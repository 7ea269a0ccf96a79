// Goal: times on the command line accept the units scenario files use, and render readably.
#include "troupe/trace_model/duration.hpp"

#include <gtest/gtest.h>

namespace troupe::trace_model {
namespace {

TEST(duration, parses_units_and_raw_nanoseconds) {
  EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000);
  EXPECT_EQ(parse_duration_ns("5s"), 5'000'000'000);
  EXPECT_EQ(parse_duration_ns("2m"), 120'000'000'000);
  EXPECT_EQ(parse_duration_ns("40us"), 40'000);
  EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_duration_ns("123456"), 123456);
  EXPECT_EQ(parse_duration_ns("7ns"), 7);
}

TEST(duration, rejects_garbage) {
  EXPECT_FALSE(parse_duration_ns(""));
  EXPECT_FALSE(parse_duration_ns("s"));
  EXPECT_FALSE(parse_duration_ns("5 s"));
  EXPECT_FALSE(parse_duration_ns("-5s"));
  EXPECT_FALSE(parse_duration_ns("5parsecs"));
  EXPECT_FALSE(parse_duration_ns("99999999999999999999"));
}

TEST(duration, formats_with_a_fitting_unit) {
  EXPECT_EQ(format_duration(0), "0 ns");
  EXPECT_EQ(format_duration(250'000), "250.000 us");
  EXPECT_EQ(format_duration(1'250'000'000), "1.250 s");
  EXPECT_EQ(format_duration(125'000'000'000), "2 m 5.000 s");
}

}  // namespace
}  // namespace troupe::trace_model
