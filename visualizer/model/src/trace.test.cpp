// Goal: time queries answer what the viewer asks while scrubbing: which events are in a
// window, which messages overlap it, which are in flight at the cursor.
#include "troupe/trace_model/trace.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "test_traces.hpp"

namespace troupe::trace_model {
namespace {

TEST(trace, events_between_is_inclusive) {
  const auto t = testing::load_small_trace();
  const auto [first, last] = t->events_between(3'000'000, 6'000'000);
  EXPECT_EQ(t->events[first].seq, 5u);
  EXPECT_EQ(last - first, 6u) << "seq 5..10 lie in [3ms, 6ms]";
  EXPECT_EQ(t->first_event_at_or_after(2'000'000'000), t->events.size());
}

TEST(trace, messages_in_flight_at_the_cursor) {
  const auto t = testing::load_small_trace();
  // At 200ms only the slow replicate (150ms -> 350ms) is on its way.
  const auto flying = t->messages_in_flight(200'000'000);
  ASSERT_EQ(flying.size(), 1u);
  EXPECT_EQ(t->messages[flying[0]].message_id, 6);
  // At 950ms the never-delivered message 10 is still in flight.
  const auto late = t->messages_in_flight(950'000'000);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(t->messages[late[0]].message_id, 10);
}

TEST(trace, event_by_seq_and_labels) {
  const auto t = testing::load_small_trace();
  EXPECT_EQ(t->event_by_seq(16), 16u);
  EXPECT_EQ(t->event_by_seq(1000), no_index);
  const event& send = t->events[3];
  EXPECT_EQ(t->actor_label(send.pod, send.actor), "kv-0/user/client-0");
  EXPECT_EQ(t->actor_label(send.peer_pod, send.peer_actor), "kv-1/user/store");
}

// The window query must agree with a brute-force scan for any window.
RC_GTEST_PROP(trace, overlap_query_matches_brute_force, (std::uint32_t a, std::uint32_t b)) {
  static const auto t = testing::load_small_trace();
  const std::int64_t t0 = std::min(a, b) % 1'100'000'000;
  const std::int64_t t1 = std::max(a, b) % 1'100'000'000;
  RC_PRE(t0 <= t1);
  std::vector<std::uint32_t> found;
  t->for_each_message_overlapping(t0, t1, [&](std::uint32_t i) { found.push_back(i); });
  std::sort(found.begin(), found.end());
  std::vector<std::uint32_t> expected;
  for (std::uint32_t i = 0; i < t->messages.size(); ++i) {
    if (t->messages[i].send_t_ns <= t1 && t->messages[i].end_t_ns >= t0) expected.push_back(i);
  }
  RC_ASSERT(found == expected);
}

}  // namespace
}  // namespace troupe::trace_model
