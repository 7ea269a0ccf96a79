#include "troupe/cluster/split_brain_resolver.hpp"

#include <algorithm>

#include "troupe/runtime/assert.hpp"

namespace troupe::cluster {

namespace {

bool contains(const std::vector<member_key>& sorted, const member_key& key) {
  return std::binary_search(sorted.begin(), sorted.end(), key);
}

/// The oldest of `members`: smallest up_number, then lowest address.
member_key oldest_of(const membership_state& state, const std::vector<member_key>& members) {
  TROUPE_ASSERT(!members.empty());
  member_key best = members.front();
  for (const auto& key : members) {
    const auto number = state.members.at(key).up_number;
    const auto best_number = state.members.at(best).up_number;
    if (number < best_number || (number == best_number && key < best)) best = key;
  }
  return best;
}

bool this_side_survives(const downing_settings& settings, const membership_state& state,
                        const std::vector<member_key>& reachable_up,
                        const std::vector<member_key>& unreachable_up) {
  if (unreachable_up.empty()) return true;
  if (settings.strategy == downing_strategy::keep_majority) {
    if (reachable_up.size() != unreachable_up.size())
      return reachable_up.size() > unreachable_up.size();
    // An even split keeps the side holding the lowest address; both sides see the same
    // member set, so exactly one of them keeps.
    return reachable_up.front() < unreachable_up.front();
  }
  std::vector<member_key> all = reachable_up;
  all.insert(all.end(), unreachable_up.begin(), unreachable_up.end());
  std::sort(all.begin(), all.end());
  const member_key oldest = oldest_of(state, all);
  const bool oldest_here = contains(reachable_up, oldest);
  if (settings.down_if_alone) {
    if (oldest_here && reachable_up.size() == 1 && unreachable_up.size() > 1) return false;
    if (!oldest_here && unreachable_up.size() == 1 && reachable_up.size() > 1) return true;
  }
  return oldest_here;
}

}  // namespace

downing_decision decide(const downing_settings& settings, const membership_state& state,
                        const member_key& self, const std::vector<member_key>& unreachable) {
  TROUPE_ASSERT(std::is_sorted(unreachable.begin(), unreachable.end()));
  TROUPE_ASSERT(!contains(unreachable, self));
  TROUPE_ASSERT(state.members.contains(self) &&
                state.members.at(self).status == member_status::up);
  std::vector<member_key> reachable_up, unreachable_up;
  for (const auto& [key, info] : state.members) {
    if (info.status != member_status::up) continue;
    (contains(unreachable, key) ? unreachable_up : reachable_up).push_back(key);
  }
  downing_decision decision;
  if (this_side_survives(settings, state, reachable_up, unreachable_up)) {
    decision.action = downing_action::keep;
    decision.kept = reachable_up;
    decision.downed = unreachable;
  } else {
    decision.action = downing_action::down_self;
    decision.kept = unreachable_up;
    decision.downed = reachable_up;
  }
  return decision;
}

}  // namespace troupe::cluster
