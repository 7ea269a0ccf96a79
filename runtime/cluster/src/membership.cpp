#include "troupe/cluster/membership.hpp"

#include <algorithm>
#include <iterator>

namespace troupe::cluster {

std::string_view to_string(member_status status) {
  switch (status) {
    case member_status::joining:
      return "joining";
    case member_status::up:
      return "up";
    case member_status::leaving:
      return "leaving";
    case member_status::exiting:
      return "exiting";
    case member_status::down:
      return "down";
    case member_status::removed:
      return "removed";
  }
  return "unknown";
}

bool membership_state::is_tombstoned(const member_key& key) const {
  return std::binary_search(tombstones.begin(), tombstones.end(), key);
}

void membership_state::remove(const member_key& key) {
  members.erase(key);
  reachability.erase(key);
  auto at = std::lower_bound(tombstones.begin(), tombstones.end(), key);
  if (at == tombstones.end() || *at != key) tombstones.insert(at, key);
  if (tombstones.size() > tombstones_max)
    tombstones.erase(
        tombstones.begin(),
        tombstones.begin() + static_cast<std::ptrdiff_t>(tombstones.size() - tombstones_max));
}

bool membership_state::is_unreachable(const member_key& key,
                                      const std::vector<member_key>& ignored) const {
  for (const auto& [observer, record] : reachability) {
    if (observer == key || std::binary_search(ignored.begin(), ignored.end(), observer)) continue;
    auto member = members.find(observer);
    if (member == members.end() || member->second.status >= member_status::down) continue;
    if (std::binary_search(record.unreachable.begin(), record.unreachable.end(), key)) return true;
  }
  return false;
}

std::vector<member_key> membership_state::unreachable_members(
    const std::vector<member_key>& ignored) const {
  std::vector<member_key> out;
  for (const auto& [key, info] : members)
    if (is_unreachable(key, ignored)) out.push_back(key);
  return out;
}

std::optional<member_key> membership_state::current_member(std::string_view node) const {
  std::optional<member_key> best;
  member_status best_status = member_status::removed;
  for (auto it = members.lower_bound(member_key(std::string(node), 0));
       it != members.end() && it->first.first == node; ++it) {
    if (!best || it->second.status <= best_status) {
      best = it->first;
      best_status = it->second.status;
    }
  }
  return best;
}

std::uint64_t membership_state::max_up_number() const {
  std::uint64_t most = 0;
  for (const auto& [key, info] : members) most = std::max(most, info.up_number);
  return most;
}

namespace {

member_info merge_info(const member_info& a, const member_info& b) {
  if (a.status != b.status) {
    member_info out = a.status > b.status ? a : b;
    out.seen_by.clear();  // only a joiner has a seen set, and the later status is not joining
    return out;
  }
  // Two leaders may have moved the member up concurrently: the smaller number wins on both.
  member_info out = a;
  if (a.up_number == 0 || (b.up_number != 0 && b.up_number < a.up_number))
    out.up_number = b.up_number;
  out.seen_by.clear();
  std::set_union(a.seen_by.begin(), a.seen_by.end(), b.seen_by.begin(), b.seen_by.end(),
                 std::back_inserter(out.seen_by));
  return out;
}

}  // namespace

membership_state merge(const membership_state& a, const membership_state& b) {
  membership_state out;
  std::set_union(a.tombstones.begin(), a.tombstones.end(), b.tombstones.begin(), b.tombstones.end(),
                 std::back_inserter(out.tombstones));
  if (out.tombstones.size() > tombstones_max)
    out.tombstones.erase(out.tombstones.begin(),
                         out.tombstones.begin() +
                             static_cast<std::ptrdiff_t>(out.tombstones.size() - tombstones_max));
  for (const auto* side : {&a, &b}) {
    for (const auto& [key, info] : side->members) {
      if (out.is_tombstoned(key)) continue;
      auto [at, inserted] = out.members.emplace(key, info);
      if (!inserted) at->second = merge_info(at->second, info);
    }
  }
  for (const auto* side : {&a, &b}) {
    for (const auto& [observer, record] : side->reachability) {
      if (!out.members.contains(observer)) continue;
      auto [at, inserted] = out.reachability.emplace(observer, record);
      if (!inserted && record.version > at->second.version) at->second = record;
    }
  }
  return out;
}

}  // namespace troupe::cluster
