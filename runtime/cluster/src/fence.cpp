#include "troupe/cluster/fence.hpp"

#include <algorithm>

#include "troupe/runtime/assert.hpp"

namespace troupe::cluster {

bool fence_timing_holds(const fence_settings& settings) {
  const double rate = settings.clock_rate_error_max;
  if (rate < 0 || rate >= 1) return false;
  const double takeover_real_min = static_cast<double>(settings.takeover_after_ns) / (1 + rate);
  const double fenced_real_max =
      static_cast<double>(settings.lease_ns + settings.stop_delay_max_ns) / (1 - rate);
  return takeover_real_min > fenced_real_max + 1'000'000;
}

bool side_wins(const downing_settings& settings, const member_universe& universe,
               const std::vector<member_key>& side) {
  TROUPE_ASSERT(std::is_sorted(side.begin(), side.end()));
  std::vector<member_key> here, there;
  for (const auto& [key, up_number] : universe)
    (std::binary_search(side.begin(), side.end(), key) ? here : there).push_back(key);
  if (there.empty()) return !here.empty();
  if (here.empty()) return false;
  if (settings.strategy != downing_strategy::keep_oldest) {
    if (here.size() != there.size()) return here.size() > there.size();
    return here.front() < there.front();  // an even split: the lowest address wins
  }
  // keep_oldest, as decide() counts it: smallest up_number, then lowest address.
  const auto oldest = std::min_element(universe.begin(), universe.end(), [](auto& a, auto& b) {
                        return a.second != b.second ? a.second < b.second : a.first < b.first;
                      })->first;
  const bool oldest_here = std::binary_search(here.begin(), here.end(), oldest);
  if (settings.down_if_alone) {
    if (oldest_here && here.size() == 1 && there.size() > 1) return false;
    if (!oldest_here && there.size() == 1 && here.size() > 1) return true;
  }
  return oldest_here;
}

std::int64_t lease_until(const downing_settings& settings, const member_universe& universe,
                         const member_key& self,
                         const std::map<member_key, std::int64_t>& ack_expiry_ns) {
  if (!universe.contains(self)) return 0;
  std::vector<member_key> side{self};
  if (side_wins(settings, universe, side)) return lease_forever;
  // Add the peers latest expiry first; the first prefix that wins holds until its last one.
  std::vector<std::pair<std::int64_t, member_key>> acks;
  for (const auto& [key, expiry] : ack_expiry_ns)
    if (key != self && universe.contains(key)) acks.emplace_back(expiry, key);
  std::sort(acks.begin(), acks.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (const auto& [expiry, key] : acks) {
    side.insert(std::upper_bound(side.begin(), side.end(), key), key);
    if (side_wins(settings, universe, side)) return expiry;
  }
  return 0;
}

bool certified(const downing_settings& downing, const fence_settings& fence,
               const fence_watch& watch, const member_key& member, std::int64_t now_ns) {
  std::vector<member_key> side;  // sorted: the map is
  for (const auto& [key, since] : watch.confirmed)
    if (key != member && watch.universe.contains(key) && now_ns - since >= fence.takeover_after_ns)
      side.push_back(key);
  return side_wins(downing, watch.universe, side);
}

}  // namespace troupe::cluster
