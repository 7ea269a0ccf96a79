// Goal: a node's lease and another node's certificate that the node is fenced never hold at
// the same time: for every universe, strategy and split of acks and confirmations, a side
// that certifies a member and the member's acking side never both win; the lease ends at the
// right ack's expiry; and the default timing satisfies the documented inequality.

#include "troupe/cluster/fence.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace {

using namespace troupe::cluster;

member_universe universe_of(int size) {
  member_universe u;
  // up_number order differs from address order, to tell the strategies apart.
  for (int i = 0; i < size; ++i)
    u.emplace(member_key("kv-" + std::to_string(i), 1), static_cast<std::uint64_t>(size - i));
  return u;
}

member_key kv(int i) {
  return member_key("kv-" + std::to_string(i), 1);
}

TEST(fence, the_default_timing_satisfies_the_inequality) {
  EXPECT_TRUE(fence_timing_holds(fence_settings{}));
  fence_settings too_short;
  too_short.takeover_after_ns = too_short.lease_ns;
  EXPECT_FALSE(fence_timing_holds(too_short));
}

TEST(fence, a_lease_lasts_until_the_majoritys_oldest_counting_ack) {
  const auto u = universe_of(5);
  downing_settings majority;
  // kv-0 needs two peers: the second latest expiry ends the lease.
  std::map<member_key, std::int64_t> acks{{kv(1), 100}, {kv(2), 300}, {kv(3), 200}};
  EXPECT_EQ(lease_until(majority, u, kv(0), acks), 200);
  EXPECT_EQ(lease_until(majority, u, kv(0), {{kv(1), 100}}), 0);
  EXPECT_EQ(lease_until(majority, universe_of(1), kv(0), {}), lease_forever);
  EXPECT_EQ(lease_until(majority, u, member_key("kv-9", 1), acks), 0) << "not in the universe";
}

TEST(fence, a_member_is_certified_once_a_majority_confirmed_it_down_long_enough) {
  const auto u = universe_of(3);
  downing_settings majority;
  fence_settings timing;
  fence_watch watch{u, {{kv(1), 1000}}};
  EXPECT_FALSE(certified(majority, timing, watch, kv(0), 1000 + timing.takeover_after_ns));
  watch.confirmed[kv(2)] = 2000;
  EXPECT_FALSE(certified(majority, timing, watch, kv(0), 1999 + timing.takeover_after_ns));
  EXPECT_TRUE(certified(majority, timing, watch, kv(0), 2000 + timing.takeover_after_ns));
}

RC_GTEST_PROP(fence, a_lease_and_a_certificate_of_the_same_member_never_hold_together, ()) {
  const int size = *rc::gen::inRange(1, 8);
  const auto u = universe_of(size);
  downing_settings settings;
  settings.strategy = *rc::gen::element(downing_strategy::keep_majority,
                                        downing_strategy::keep_oldest, downing_strategy::none);
  settings.down_if_alone = *rc::gen::arbitrary<bool>();
  const int self = *rc::gen::inRange(0, size);
  // Each other member either acked the member recently (counts for its lease) or confirmed it
  // down long ago (counts for the certificate), never both: a member that has it down never
  // acks it again, and an ack sent before the confirmation has expired by then.
  std::map<member_key, std::int64_t> acks;
  fence_watch watch{u, {}};
  for (int i = 0; i < size; ++i) {
    if (i == self) continue;
    const int role = *rc::gen::inRange(0, 3);
    if (role == 0) acks[kv(i)] = 10'000'000'000;
    if (role == 1) watch.confirmed[kv(i)] = 0;
  }
  const std::int64_t now = 5'000'000'000;
  const bool leased = lease_until(settings, u, kv(self), acks) > now;
  const bool fenced = certified(settings, fence_settings{}, watch, kv(self), now);
  RC_ASSERT(!(leased && fenced));
}

RC_GTEST_PROP(fence, a_superset_of_a_winning_side_wins, ()) {
  const int size = *rc::gen::inRange(1, 8);
  const auto u = universe_of(size);
  downing_settings settings;
  settings.strategy =
      *rc::gen::element(downing_strategy::keep_majority, downing_strategy::keep_oldest);
  settings.down_if_alone = *rc::gen::arbitrary<bool>();
  const auto mask = *rc::gen::inRange<std::uint32_t>(0, 1u << size);
  const auto extra = *rc::gen::inRange<std::uint32_t>(0, 1u << size);
  std::vector<member_key> side, bigger;
  for (int i = 0; i < size; ++i) {
    if ((mask >> i) & 1) side.push_back(kv(i));
    if (((mask | extra) >> i) & 1) bigger.push_back(kv(i));
  }
  std::sort(side.begin(), side.end());
  std::sort(bigger.begin(), bigger.end());
  if (side_wins(settings, u, side)) RC_ASSERT(side_wins(settings, u, bigger));
}

}  // namespace
