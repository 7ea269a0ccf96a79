// Goal: merging gossiped states converges whatever the order: statuses only move forward,
// tombstones win over any status, observer records keep the newest version, and merging is
// commutative, associative and idempotent.

#include "troupe/cluster/membership.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace {

using namespace troupe::cluster;

membership_state random_state() {
  membership_state s;
  const int members = *rc::gen::inRange(0, 5);
  for (int i = 0; i < members; ++i) {
    member_key key("n" + std::to_string(*rc::gen::inRange(0, 4)), *rc::gen::inRange(1, 3));
    auto status = static_cast<member_status>(*rc::gen::inRange(0, 5));
    std::vector<member_key> seen_by;  // a joiner's seen set: a random sorted subset
    if (status == member_status::joining)
      for (int node = 0; node < 4; ++node)
        if (*rc::gen::inRange(0, 2) == 0) seen_by.emplace_back("n" + std::to_string(node), 1);
    s.members[key] = member_info{status,
                                 status == member_status::joining
                                     ? 0u
                                     : static_cast<std::uint64_t>(*rc::gen::inRange(1, 4)),
                                 seen_by};
    if (*rc::gen::inRange(0, 3) == 0) {
      observer_record r;
      r.version = *rc::gen::inRange(1, 4);
      // Same observer and version means the same record: derive it from the version.
      if (r.version % 2 == 0) r.unreachable.push_back(member_key("n0", 1));
      s.reachability[key] = r;
    }
  }
  if (*rc::gen::inRange(0, 3) == 0) s.remove(member_key("n1", 1));
  return s;
}

RC_GTEST_PROP(membership, merge_is_commutative_associative_and_idempotent, ()) {
  const auto a = random_state(), b = random_state(), c = random_state();
  RC_ASSERT(merge(a, b) == merge(b, a));
  RC_ASSERT(merge(merge(a, b), c) == merge(a, merge(b, c)));
  RC_ASSERT(merge(merge(a, b), b) == merge(a, b));
}

TEST(membership, statuses_move_forward_and_tombstones_win) {
  membership_state a, b;
  const member_key k("kv-1", 7);
  a.members[k] = {member_status::joining, 0, {}};
  b.members[k] = {member_status::up, 2, {}};
  EXPECT_EQ(merge(a, b).members.at(k).status, member_status::up);
  b.remove(k);
  const auto merged = merge(a, b);
  EXPECT_FALSE(merged.members.contains(k));
  EXPECT_TRUE(merged.is_tombstoned(k));
}

TEST(membership, a_joiners_seen_set_is_the_union_until_it_is_up) {
  membership_state a, b, up;
  const member_key joiner("kv-3", 9), m0("kv-0", 1), m1("kv-1", 1), m2("kv-2", 1);
  a.members[joiner] = {member_status::joining, 0, {m0, m2}};
  b.members[joiner] = {member_status::joining, 0, {m1, m2}};
  EXPECT_EQ(merge(a, b).members.at(joiner).seen_by, (std::vector<member_key>{m0, m1, m2}));
  up.members[joiner] = {member_status::up, 4, {}};
  EXPECT_TRUE(merge(a, up).members.at(joiner).seen_by.empty());
  EXPECT_TRUE(merge(up, b).members.at(joiner).seen_by.empty());
}

TEST(membership, unreachable_when_a_live_observer_says_so) {
  membership_state s;
  const member_key a("a", 1), b("b", 1), c("c", 1);
  for (const auto& k : {a, b, c}) s.members[k] = {member_status::up, 1, {}};
  s.reachability[a] = observer_record{1, {c}};
  EXPECT_TRUE(s.is_unreachable(c));
  EXPECT_FALSE(s.is_unreachable(b));
  s.members[a].status = member_status::down;  // a down observer no longer counts
  EXPECT_FALSE(s.is_unreachable(c));
}

TEST(membership, current_member_prefers_the_new_incarnation) {
  membership_state s;
  s.members[{"kv-2", 9}] = {member_status::down, 3, {}};
  s.members[{"kv-2", 4}] = {member_status::joining, 0, {}};
  EXPECT_EQ(s.current_member("kv-2")->second, 4u);
}

}  // namespace
