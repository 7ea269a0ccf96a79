#include "troupe/simnet/network.hpp"

#include <algorithm>

namespace troupe::sim {
namespace {
bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}
}  // namespace

bool partition::cuts(const std::string& a, const std::string& b) const {
  if (one_way) return contains(from, a) && contains(to, b);
  int group_a = -1;
  int group_b = -1;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (contains(groups[g], a)) group_a = static_cast<int>(g);
    if (contains(groups[g], b)) group_b = static_cast<int>(g);
  }
  // A pod in no group is a bridge: it reaches everyone.
  return group_a >= 0 && group_b >= 0 && group_a != group_b;
}

void network::set_link(const std::string& a, const std::string& b, link_conditions conditions) {
  links_[{a, b}] = conditions;
}

const link_conditions& network::overridden_link(const std::string& a, const std::string& b) const {
  auto found = links_.find({a, b});
  return found != links_.end() ? found->second : defaults_;
}

bool network::cut_by_partition(const std::string& a, const std::string& b) const {
  return std::any_of(partitions_.begin(), partitions_.end(),
                     [&](const partition& p) { return p.cuts(a, b); });
}

}  // namespace troupe::sim
