// Goal: phi stays low while heartbeats arrive on time, crosses the threshold after a silence
// longer than the acceptable pause, and falls back at once when heartbeats resume.

#include "troupe/cluster/phi_detector.hpp"

#include <gtest/gtest.h>

namespace {

using troupe::cluster::phi_detector;
using troupe::cluster::phi_settings;
constexpr std::int64_t ms = 1'000'000;

TEST(phi_detector, regular_heartbeats_keep_a_member_available) {
  phi_settings settings;
  phi_detector detector(settings, 0);
  for (std::int64_t t = 200 * ms; t <= 10'000 * ms; t += 200 * ms) {
    EXPECT_TRUE(detector.available(t)) << t;
    detector.heartbeat(t);
  }
  EXPECT_LT(detector.phi(10'300 * ms), 1.0);
}

TEST(phi_detector, silence_beyond_the_acceptable_pause_is_suspected_and_resuming_clears_it) {
  phi_settings settings;
  phi_detector detector(settings, 0);
  std::int64_t t = 0;
  for (; t <= 5'000 * ms; t += 200 * ms) detector.heartbeat(t);
  const std::int64_t last = t - 200 * ms;
  EXPECT_TRUE(detector.available(last + 1'000 * ms));   // within interval + pause
  EXPECT_FALSE(detector.available(last + 2'000 * ms));  // far beyond
  std::int64_t suspected = last;
  while (detector.available(suspected)) suspected += ms;
  EXPECT_GT(suspected - last, settings.acceptable_pause_ns);
  EXPECT_LT(suspected - last, settings.acceptable_pause_ns + 1'000 * ms);
  detector.heartbeat(last + 3'000 * ms);
  EXPECT_TRUE(detector.available(last + 3'000 * ms));
}

TEST(phi_detector, a_member_that_never_sends_is_suspected) {
  phi_detector detector(phi_settings{}, 0);
  EXPECT_TRUE(detector.available(500 * ms));
  EXPECT_FALSE(detector.available(3'000 * ms));
}

}  // namespace
