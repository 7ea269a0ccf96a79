// Goal: for every split of a cluster into two sides that see the same member set, exactly one
// side keeps and the other downs itself, with either strategy; the majority keeps, an even
// split keeps the side with the lowest address, keep-oldest keeps the oldest's side.

#include "troupe/cluster/split_brain_resolver.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace {

using namespace troupe::cluster;

struct split {
  membership_state state;
  std::vector<member_key> left, right;  // sorted
};

split make_split(int size, std::uint32_t mask) {
  split s;
  for (int i = 0; i < size; ++i) {
    member_key key("kv-" + std::to_string(i), 1);
    // up_number order differs from address order, to tell the strategies apart.
    s.state.members[key] = member_info{member_status::up, static_cast<std::uint64_t>(size - i), {}};
    ((mask >> i) & 1 ? s.left : s.right).push_back(key);
  }
  return s;
}

downing_action act(const downing_settings& settings, const split& s, bool from_left) {
  const auto& mine = from_left ? s.left : s.right;
  const auto& theirs = from_left ? s.right : s.left;
  return decide(settings, s.state, mine.front(), theirs).action;
}

RC_GTEST_PROP(split_brain_resolver, exactly_one_side_keeps, ()) {
  const int size = *rc::gen::inRange(2, 9);
  const std::uint32_t mask = *rc::gen::inRange<std::uint32_t>(1, (1u << size) - 1);
  const auto s = make_split(size, mask);
  downing_settings settings;
  settings.strategy =
      *rc::gen::element(downing_strategy::keep_majority, downing_strategy::keep_oldest);
  settings.down_if_alone = *rc::gen::arbitrary<bool>();
  const bool left_keeps = act(settings, s, true) == downing_action::keep;
  const bool right_keeps = act(settings, s, false) == downing_action::keep;
  RC_ASSERT(left_keeps != right_keeps);
}

TEST(split_brain_resolver, keep_majority) {
  auto s = make_split(3, 0b011);  // {kv-0, kv-1} | {kv-2}
  downing_settings settings;
  EXPECT_EQ(act(settings, s, true), downing_action::keep);
  EXPECT_EQ(act(settings, s, false), downing_action::down_self);
  const auto decision = decide(settings, s.state, s.left.front(), s.right);
  EXPECT_EQ(decision.downed, s.right);
  auto even = make_split(4, 0b1010);  // {kv-1, kv-3} | {kv-0, kv-2}: kv-0's side keeps
  EXPECT_EQ(act(settings, even, true), downing_action::down_self);
  EXPECT_EQ(act(settings, even, false), downing_action::keep);
}

TEST(split_brain_resolver, keep_oldest) {
  downing_settings settings;
  settings.strategy = downing_strategy::keep_oldest;
  auto s = make_split(5, 0b10000);  // {kv-4} (the oldest, alone) | four others
  EXPECT_EQ(act(settings, s, true), downing_action::down_self);  // down if alone
  settings.down_if_alone = false;
  EXPECT_EQ(act(settings, s, true), downing_action::keep);
  auto t = make_split(5, 0b11000);  // {kv-3, kv-4}: the oldest's side keeps though smaller
  EXPECT_EQ(act(settings, t, true), downing_action::keep);
  EXPECT_EQ(act(settings, t, false), downing_action::down_self);
}

}  // namespace
