// Goal: durations in scenario files and on the command line read as users write them.

#include <gtest/gtest.h>

#include "troupe/simnet/duration.hpp"

using troupe::sim::format_duration;
using troupe::sim::parse_duration_ns;

TEST(duration, parses_units) {
  EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000);
  EXPECT_EQ(parse_duration_ns("5s"), 5'000'000'000);
  EXPECT_EQ(parse_duration_ns("2m"), 120'000'000'000);
  EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_duration_ns("10us"), 10'000);
  EXPECT_EQ(parse_duration_ns("42"), 42);
  EXPECT_EQ(parse_duration_ns("1h"), 3'600'000'000'000);
}

TEST(duration, rejects_nonsense) {
  for (const char* bad : {"", "-5s", "5 s", "5x", "s", "1.2.3s", "1.5", "99999999999h"})
    EXPECT_FALSE(parse_duration_ns(bad).has_value()) << bad;
}

TEST(duration, formats_exactly) {
  EXPECT_EQ(format_duration(1'500'000'000), "1500ms");
  EXPECT_EQ(format_duration(2'000'000'000), "2s");
  EXPECT_EQ(format_duration(7), "7ns");
}
