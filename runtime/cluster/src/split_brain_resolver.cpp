#include "troupe/cluster/split_brain_resolver.hpp"

#include <algorithm>

#include "troupe/runtime/assert.hpp"

namespace troupe::cluster {

namespace {

bool contains(const std::vector<member_key>& sorted, const member_key& key) {
  return std::binary_search(sorted.begin(), sorted.end(), key);
}

/// The oldest of `members`: smallest up_number, then lowest address.
member_key oldest_of(const member_universe& counted, const std::vector<member_key>& members) {
  TROUPE_ASSERT(!members.empty());
  member_key best = members.front();
  for (const auto& key : members) {
    const auto number = counted.at(key);
    const auto best_number = counted.at(best);
    if (number < best_number || (number == best_number && key < best)) best = key;
  }
  return best;
}

bool this_side_survives(const downing_settings& settings, const member_universe& counted,
                        const std::vector<member_key>& here, const std::vector<member_key>& there) {
  if (there.empty()) return true;
  if (here.empty()) return false;
  if (settings.strategy == downing_strategy::keep_majority) {
    if (here.size() != there.size()) return here.size() > there.size();
    // An even split keeps the side holding the lowest address; both sides count the same
    // members, so exactly one of them keeps.
    return here.front() < there.front();
  }
  std::vector<member_key> all = here;
  all.insert(all.end(), there.begin(), there.end());
  std::sort(all.begin(), all.end());
  const member_key oldest = oldest_of(counted, all);
  const bool oldest_here = contains(here, oldest);
  if (settings.down_if_alone) {
    if (oldest_here && here.size() == 1 && there.size() > 1) return false;
    if (!oldest_here && there.size() == 1 && here.size() > 1) return true;
  }
  return oldest_here;
}

}  // namespace

downing_decision decide(const downing_settings& settings, const membership_state& state,
                        const member_key& self, const std::vector<member_key>& unreachable,
                        const member_universe& universe) {
  TROUPE_ASSERT(std::is_sorted(unreachable.begin(), unreachable.end()));
  TROUPE_ASSERT(!contains(unreachable, self));
  TROUPE_ASSERT(state.members.contains(self) && state.members.at(self).status == member_status::up);
  member_universe counted = universe;
  for (const auto& [key, info] : state.members)
    if (info.status == member_status::up) counted.emplace(key, info.up_number);
  std::vector<member_key> here, there;  // in address order, as the map is
  for (const auto& [key, up_number] : counted) {
    auto member = state.members.find(key);
    const bool with_me = member != state.members.end() &&
                         member->second.status == member_status::up && !contains(unreachable, key);
    (with_me ? here : there).push_back(key);
  }
  downing_decision decision;
  if (this_side_survives(settings, counted, here, there)) {
    decision.action = downing_action::keep;
    decision.kept = here;
    decision.downed = unreachable;
  } else {
    decision.action = downing_action::down_self;
    decision.kept = there;
    decision.downed = here;
  }
  return decision;
}

}  // namespace troupe::cluster
